// The browser's time zone for the sign-in: it fills the sign-in form's hidden
// "time_zone" field and adds it to the company sign-in link, so a new account shows
// times in the person's own zone from the start (they can change it on their account).
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone) {
    return;
  }
  document.querySelectorAll('input[name="time_zone"]').forEach(function (input) {
    input.value = zone;
  });
  document.querySelectorAll("a[data-time-zone]").forEach(function (link) {
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("time_zone", zone);
    link.href = url.toString();
  });
})();
