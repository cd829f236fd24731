"""Cues in a question's wording that give its key away to someone who never read the course.

Test-wise guessers pick the longest option, the most cautious one, the one that repeats the
question's words, "all of the above" (Millman, Bishop & Ebel, "An analysis of
test-wiseness", Educational and Psychological Measurement 25:707, 1965); item-writing
guides ask for options of about equal length, no "all/none of the above" and no give-away
words such as "always" and "never" (Haladyna, Downing & Rodriguez, Applied Measurement in
Education 15:309, 2002). This module measures those cues in plain text: the validator
warns authors about them (:func:`cue_warnings`) and ``lms.rules.guessing`` plays them
against the real draw and grading.

Limits, on purpose: the word lists are short and hand-made, one per language; words are
matched whole, or by their start where an entry ends in ``*`` (no stemming, so "checked"
needs "check*"); a word keeps its combining marks (Devanagari and Bengali vowel signs);
Hebrew drops one prefix letter (ו ה ש ב ל כ מ) before matching; Chinese, Japanese and Thai
(no spaces between words) are matched as substrings; the "words" of Chinese and Japanese
for the echo of the question are single Han or Katakana characters (Thai's are the runs
between spaces, so its echo is rarely seen). A cue that the lists miss is still caught by
the simulator's other players, or not at all: no list replaces a reviewer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from collections.abc import Iterable
from typing import TYPE_CHECKING

from lms.content.model import Problem
from lms.content.render import html_text

if TYPE_CHECKING:
    from lms.content.model import Question
    from lms.content.model import Quiz

# Cautious or hedged wording ("ask", "check first", "only", "may") and absolutes ("never",
# "always"): what a guesser takes for the careful, policy-shaped answer.
HEDGES: dict[str, tuple[str, ...]] = {
    "en": (
        "ask*", "check*", "never", "always", "only", "may", "might", "could", "should",
        "perhaps", "maybe", "usually", "generally", "first", "wait*", "confirm*", "verify*",
        "consult*", "careful*", "unless",
    ),
    "de": (
        "frag*", "prüf*", "überprüf*", "nie", "niemals", "immer", "nur", "kann", "könnte*",
        "darf", "dürfte*", "sollte*", "vielleicht", "meist*", "zuerst", "erst", "wart*",
        "bestätig*", "vergewisser*", "rücksprache", "vorsicht*", "sorgfältig*",
    ),
    "es": (
        "pregunt*", "consult*", "comprob*", "compruebe*", "verific*", "confirm*", "nunca",
        "jamás", "siempre", "solo", "sólo", "únicamente", "puede*", "podría*", "debería*",
        "quizá*", "normalmente", "primero", "esper*", "cuidado*", "antes",
    ),
    "fr": (
        "demand*", "vérifi*", "consult*", "confirm*", "jamais", "toujours", "seulement",
        "uniquement", "peut", "peuvent", "pourrait*", "devrait*", "éventuellement", "abord",
        "attend*", "prudem*", "prudent*", "avant",
    ),
    "pt": (
        "pergunt*", "consult*", "verifi*", "confirm*", "nunca", "jamais", "sempre", "só",
        "somente", "apenas", "pode*", "poderia*", "deveria*", "talvez", "geralmente",
        "primeiro", "esper*", "cuidado*", "antes",
    ),
    "he": (
        "לשאול", "שאל", "שאלו", "תשאל", "בדוק", "לבדוק", "תבדוק", "לוודא", "ודא", "וודא",
        "להתייעץ", "התייעץ", "לעולם", "תמיד", "רק", "אולי", "ייתכן", "עשוי", "עשויה",
        "עלול", "עלולה", "יכול", "יכולה", "כדאי", "קודם", "לפני", "להמתין", "המתן",
        "בזהירות", "זהירות",
    ),
    "ja": (
        "確認", "相談", "尋ね", "問い合わせ", "聞い", "聞く", "決して", "絶対", "常に",
        "いつも", "必ず", "だけ", "のみ", "かもしれ", "可能性", "まず", "先に", "待っ", "待つ",
        "慎重", "注意",
    ),
    "zh": (
        "确认", "核实", "核对", "咨询", "询问", "请教", "问一下", "从不", "绝不", "决不",
        "永远", "总是", "始终", "一律", "只", "仅", "可能", "也许", "或许", "先", "等待",
        "谨慎", "小心",
    ),
    "nl": (
        "vraag", "vragen", "navrag*", "controle*", "check*", "nagaan", "nooit", "altijd",
        "alleen", "slechts", "uitsluitend", "mag", "mogen", "kan", "kunnen", "zou", "zouden",
        "moet*", "misschien", "eventueel", "meestal", "doorgaans", "eerst", "wacht*",
        "bevestig*", "verifieer*", "overleg*", "raadpleeg*", "voorzichtig*", "tenzij",
    ),
    "tr": (
        "sorar*", "sorup", "danış*", "kontrol", "doğrula*", "teyit*", "asla", "hiçbir",
        "daima", "hep", "mutlaka", "yalnızca", "sadece", "belki", "olabilir*", "muhtemelen",
        "genellikle", "önce", "bekle*", "dikkat*", "özen*",
    ),
    "el": (
        "ρωτ*", "ελέγ*", "ελεγ*", "επαληθ*", "επιβεβαι*", "ποτέ", "πάντα", "μόνο", "ίσως",
        "μπορεί", "συνήθως", "πρώτα", "περιμέν*", "προσοχ*", "προσεκτικ*", "απαραίτητα",
    ),
    "sv": (
        "fråga*", "kontroller*", "kolla*", "aldrig", "alltid", "bara", "endast", "enbart",
        "kanske", "kunde", "bör", "borde", "möjligen", "troligen", "vanligtvis",
        "först", "vänta*", "bekräfta*", "verifiera*", "rådfråga*", "försiktig*", "såvida",
    ),
    "da": (
        "spørg*", "tjek*", "kontroller*", "aldrig", "altid", "kun", "udelukkende", "måske",
        "kunne", "bør", "burde", "muligvis", "sandsynligvis", "normalt", "først", "vent*",
        "bekræft*", "verificer*", "rådfør*", "forsigtig*", "medmindre",
    ),
    "ko": (
        "확인*", "문의*", "물어*", "묻고", "상의*", "상담*", "절대", "절대로", "결코", "항상",
        "언제나", "늘", "반드시", "꼭", "오직", "오로지", "단지", "아마", "어쩌면", "먼저",
        "우선", "기다*", "신중*", "조심*", "주의*", "검토*",
    ),
    "it": (
        "chied*", "domand*", "verific*", "controll*", "conferm*", "consult*", "mai",
        "sempre", "solo", "soltanto", "unicamente", "può", "possono", "potrebbe*",
        "dovrebbe*", "forse", "magari", "solitamente", "generalmente", "prima", "aspett*",
        "attend*", "attenzione", "cautela", "prudent*",
    ),
    "ru": (
        "спрос*", "уточн*", "провер*", "свер*", "подтверд*", "подтвержд*", "консульт*",
        "никогда", "всегда", "только", "лишь", "может", "могут", "можно", "возможно",
        "следует", "стоит", "сначала", "прежде", "подожд*", "ждите", "осторожн*",
        "обычно", "вероятно",
    ),
    "id": (
        "tanya*", "bertanya", "menanyakan", "periksa", "memeriksa", "pastikan",
        "memastikan", "konfirmasi*", "mengonfirmasi*", "verifikasi*", "konsultasi*",
        "pernah", "selalu", "hanya", "mungkin", "boleh", "sebaiknya",
        "seharusnya", "biasanya", "umumnya", "dulu", "terlebih", "tunggu", "menunggu",
        "waspada*", "berhati*", "kecuali",
    ),
    "hi": (
        "पूछ*", "जाँच*", "जांच*", "पुष्टि", "सलाह", "कभी", "हमेशा", "केवल", "सिर्फ़", "सिर्फ",
        "शायद", "सकता", "सकती", "सकते", "चाहिए", "पहले", "रुक*", "इंतज़ार", "सावधान*",
        "सावधानी",
    ),
    "th": (
        "สอบถาม*", "ถาม*", "ตรวจสอบ*", "ยืนยัน*", "ปรึกษา*", "ไม่เคย", "เสมอ", "เท่านั้น",
        # Matched as substrings: "รอ" (wait) alone would be found across words
        # (สื่อสาร|องค์กร), so only its longer forms are listed.
        "อาจ*", "ควร*", "ก่อน*", "รอก่อน", "รอให้", "ระวัง*", "ระมัดระวัง*", "เว้นแต่",
    ),
    "ar": (
        "اسأل*", "تسأل*", "استشر*", "تحق*", "تأك*", "أبد", "دائم", "فقط", "وحد*", "قد",
        "ربما", "يجوز", "يمكن*", "أول", "انتظر*", "حذر*", "بحذر", "احذر*", "إلا",
        "عادة", "غالب*",
    ),
    "pl": (
        "zapyta*", "pytaj*", "sprawd*", "zweryfikuj*", "weryfik*", "potwierd*", "skonsultuj*",
        "konsult*", "nigdy", "zawsze", "tylko", "wyłącznie", "jedynie", "może", "mogą",
        "można", "mógłby", "mogłaby", "mogłoby", "powinien*", "powinna", "powinno", "należy",
        "warto", "ewentualnie", "zwykle", "zazwyczaj", "najpierw", "poczekaj*",
        "czekaj*", "ostrożn*", "uważaj*", "chyba",
    ),
    "nb": (
        "spør*", "sjekk*", "kontroller*", "aldri", "alltid", "bare", "kun", "kanskje",
        "kunne", "bør", "burde", "muligens", "sannsynligvis", "vanligvis", "først", "vent*",
        "bekreft*", "verifiser*", "rådfør*", "forsiktig*",
    ),
    "fa": (
        "بپرس*", "بررسی", "مطمئن", "هرگز", "همیشه", "فقط", "تنها", "شاید", "ممکن",
        "احتمالا*", "معمولا*", "اول", "ابتدا", "صبر", "منتظر", "مراقب", "محتاط*", "مگر",
    ),
    "uk": (
        "запитай*", "запитати", "запитуй*", "спита*", "уточн*", "перевір*", "звір*",
        "підтверд*", "консульт*", "ніколи", "завжди", "лише", "тільки", "може", "можуть",
        "можна", "можливо", "слід", "варто", "спочатку", "спершу", "зачека*", "обережн*",
        "зазвичай",
    ),
    "cs": (
        "zeptej*", "ptej*", "ověř*", "zkontroluj*", "kontrol*", "potvrď*", "konzult*",
        "nikdy", "vždy", "vždycky", "jen", "pouze", "jenom", "může", "mohou", "můžete",
        "mohl*", "měl*", "možná", "obvykle", "zpravidla", "nejdřív*", "nejprve", "počkej*",
        "vyčkej*", "opatrn*", "pokud",
    ),
    "fi": (
        "kysy*", "tarkista*", "tarkist*", "varmista*", "varmist*", "koskaan", "aina", "vain",
        "ainoastaan", "ehkä", "saattaa*", "voisi*", "pitäisi*", "kannattaa*", "yleensä",
        "ensin", "odota*", "varovai*", "ellei*",
    ),
    "hu": (
        "kérdez*", "kérje*", "ellenőr*", "egyeztet*", "megerősít*", "soha", "sosem", "mindig",
        "csak", "kizárólag", "talán", "esetleg", "lehet", "általában", "előbb", "először",
        "várj*", "várjon", "óvatos*", "körültekint*",
    ),
    "ms": (
        "tanya*", "bertanya", "semak", "menyemak", "pastikan", "memastikan", "sahkan",
        "mengesahkan", "rujuk*", "merujuk", "pernah", "sentiasa", "selalu", "hanya",
        "sahaja", "mungkin", "patut", "sepatutnya", "biasanya", "umumnya", "dahulu",
        "tunggu", "menunggu", "waspada", "berwaspada", "berhati*", "kecuali",
    ),
    "bn": (
        "জিজ্ঞাস*", "যাচাই*", "নিশ্চিত*", "পরামর্শ*", "কখনো", "কখনোই", "কখনও", "সবসময়",
        "সর্বদা", "শুধু", "কেবল", "হয়তো", "পারে", "পারেন", "উচিত", "প্রথমে", "আগে",
        "অপেক্ষা*", "সতর্ক*",
    ),
    "ro": (
        "întreb*", "verific*", "confirm*", "consult*", "niciodată", "mereu", "întotdeauna",
        "doar", "numai", "poate", "putea", "ar", "probabil", "întâi", "înainte",
        "aștept*", "atent*", "prudent*",
    ),
    "ur": (
        "پوچھ*", "جانچ*", "تصدیق*", "مشورہ", "مشورے", "کبھی", "ہمیشہ", "صرف", "شاید",
        "سکتا", "سکتی", "سکتے", "چاہیے", "پہلے", "انتظار", "احتیاط*", "محتاط",
    ),
    "ta": (
        "கேள்*", "கேட்*", "சரிபார்*", "உறுதிப்படுத்*", "ஆலோசி*", "ஒருபோதும்", "எப்போதும்",
        "மட்டும்", "மட்டுமே", "ஒருவேளை", "கூடும்", "வேண்டும்", "முதலில்", "காத்திரு*",
        "கவனமாக", "எச்சரிக்கை*", "வழக்கமாக", "பொதுவாக", "தவிர", "கேளு*",
    ),
    # Vietnamese words are matched syllable by syllable ("kiểm" of "kiểm tra").
    "vi": (
        "hỏi", "kiểm", "xác", "luôn", "chỉ", "chờ", "đợi", "thận", "trừ",
    ),
    "fil": (
        "magtanong", "tanungin", "suriin", "tiyakin", "kumpirmahin", "verify*",
        "kailanman", "palagi", "lagi", "lamang", "lang", "baka", "siguro", "marahil",
        "muna", "maghintay", "ingat*", "maliban",
    ),
}  # fmt: skip

# Options that point at the others: meaningless once answers are shuffled, easy to guess.
ABOVE: dict[str, tuple[str, ...]] = {
    "en": ("all of the above", "none of the above", "both of the above", "all of these",
           "none of these", "all the above"),
    "de": ("alle oben genannten", "keine der oben genannten", "alle genannten",
           "keine der genannten", "alle antworten", "keine der antworten"),
    "es": ("todas las anteriores", "ninguna de las anteriores", "todas las opciones",
           "ninguna de las opciones", "todas las respuestas", "ninguna de las respuestas"),
    "fr": ("toutes les réponses", "aucune des réponses", "tout ce qui précède",
           "aucune de ces réponses", "toutes ces réponses", "aucune des propositions",
           "toutes les propositions"),
    "pt": ("todas as anteriores", "nenhuma das anteriores", "todas as alternativas",
           "nenhuma das alternativas", "todas as opções", "nenhuma das opções"),
    "he": ("כל התשובות", "אף אחת מהתשובות", "כל האמור", "כל הנ\"ל", "אף אחד מהנ\"ל",
           "אף לא אחת"),
    "ja": ("上記のすべて", "上記すべて", "上記のいずれ", "上記のどれ", "すべて正しい",
           "いずれでもない"),
    "zh": ("以上都是", "以上皆是", "以上都不是", "以上均", "以上全部", "以上皆非"),
    "nl": ("alle bovenstaande", "geen van de bovenstaande", "alle antwoorden",
           "geen van de antwoorden", "al het bovenstaande", "geen van beide"),
    "tr": ("yukarıdakilerin hepsi", "yukarıdakilerin hiçbiri", "hepsi doğru", "hiçbiri doğru değil",
           "tüm yanıtlar", "yukarıdakilerin tümü"),
    "el": ("όλα τα παραπάνω", "κανένα από τα παραπάνω", "όλες οι απαντήσεις",
           "καμία από τις απαντήσεις", "όλα ισχύουν", "κανένα δεν ισχύει"),
    "sv": ("alla ovanstående", "inget av ovanstående", "inga av ovanstående",
           "alla alternativen", "inget av alternativen", "samtliga ovan", "alla svaren"),
    "da": ("alle ovenstående", "ingen af ovenstående", "alle svarene", "ingen af svarene",
           "alle mulighederne", "ingen af mulighederne"),
    "ko": ("위의 모두", "위 모두", "위의 모든", "모두 정답", "모두 맞다", "위의 어느", "해당 없음",
           "모두 틀리다"),
    "it": ("tutte le precedenti", "nessuna delle precedenti", "tutte le risposte",
           "nessuna delle risposte", "tutte le opzioni", "nessuna delle opzioni",
           "tutto quanto sopra"),
    "ru": ("все перечисленное", "всё перечисленное", "ничего из перечисленного",
           "все варианты", "ни один из вариантов", "все ответы", "ни один из ответов",
           "все вышеперечисленное", "всё вышеперечисленное"),
    "id": ("semua jawaban di atas", "semua di atas", "semua yang di atas",
           "tidak ada jawaban", "tak satu pun jawaban", "semua jawaban benar"),
    "hi": ("उपरोक्त सभी", "उपर्युक्त सभी", "उपरोक्त में से कोई नहीं", "इनमें से कोई नहीं",
           "इनमें से सभी", "ऊपर दिए गए सभी"),
    "th": ("ถูกทุกข้อ", "ผิดทุกข้อ", "ทุกข้อที่กล่าวมา", "ไม่มีข้อใดถูก", "ทั้งหมดข้างต้น",
           "ข้อมูลข้างต้นทั้งหมด"),
    "ar": ("كل ما سبق", "جميع ما سبق", "لا شيء مما سبق", "كل الإجابات", "جميع الإجابات",
           "لا شيء مما ذكر", "ولا واحدة"),
    "pl": ("wszystkie powyższe", "żadne z powyższych", "żadna z powyższych",
           "wszystkie odpowiedzi", "żadna z odpowiedzi", "wszystko powyższe"),
    "nb": ("alle de ovennevnte", "ingen av de ovennevnte", "alle svarene", "ingen av svarene",
           "alle alternativene", "ingen av alternativene"),
    "fa": ("همه‌ی موارد بالا", "همه موارد بالا", "هیچ‌کدام از موارد بالا", "هیچکدام از موارد",
           "همه‌ی گزینه‌ها", "هیچ‌کدام"),
    "uk": ("усе перелічене", "все перелічене", "нічого з переліченого", "усі варіанти",
           "жоден із варіантів", "усі відповіді", "жодна з відповідей",
           "усе вищезазначене", "все вищезазначене"),
    "cs": ("všechny výše uvedené", "žádná z výše uvedených", "vše výše uvedené",
           "všechny odpovědi", "žádná z odpovědí", "nic z výše uvedeného"),
    "fi": ("kaikki yllä mainitut", "ei mikään yllä mainituista", "kaikki edellä mainitut",
           "ei mikään edellä mainituista", "kaikki vaihtoehdot", "ei mikään vaihtoehdoista"),
    "hu": ("a fentiek mindegyike", "a fentiek közül egyik sem", "mindegyik válasz",
           "egyik válasz sem", "mind helyes", "egyik sem helyes"),
    "ms": ("semua jawapan di atas", "semua di atas", "semua yang di atas",
           "tiada jawapan", "tiada satu pun jawapan", "semua jawapan betul"),
    "bn": ("ওপরের সবগুলো", "উপরের সবগুলো", "ওপরের কোনোটিই নয়", "উপরের কোনোটিই নয়",
           "সবগুলো উত্তর", "কোনো উত্তরই নয়"),
    "ro": ("toate cele de mai sus", "niciuna dintre cele de mai sus", "toate variantele",
           "niciuna dintre variante", "toate răspunsurile", "niciun răspuns"),
    "ur": ("مندرجہ بالا تمام", "مندرجہ بالا میں سے کوئی نہیں", "اوپر دیے گئے تمام",
           "تمام جوابات", "کوئی جواب نہیں"),
    "ta": ("மேற்கண்ட அனைத்தும்", "மேலே உள்ள அனைத்தும்", "மேற்கண்ட எதுவும் இல்லை",
           "இவற்றில் எதுவும் இல்லை", "இவை அனைத்தும்", "அனைத்துப் பதில்களும்"),
    "vi": ("tất cả các đáp án trên", "tất cả đều đúng", "không đáp án nào",
           "tất cả những điều trên", "cả hai đáp án trên", "không có đáp án nào"),
    "fil": ("lahat ng nabanggit", "wala sa nabanggit", "lahat ng sagot", "wala sa mga sagot",
            "lahat ng nasa itaas", "wala sa itaas"),
}  # fmt: skip

HEBREW_PREFIXES = "והשבלכמ"
# Grammatical characters too common in Chinese to count as the question's words.
ZH_COMMON = frozenset("的了是在和有不我你他她它们这那就也都要会与及或对把被为")
# A word: a letter, then letters and combining marks (the vowel signs of Devanagari,
# Bengali or Thai are marks, and a word must not break at each of them).
_MARKS = "".join(
    chr(point)
    for point in range(0x0300, 0x2000)
    if unicodedata.category(chr(point)) in ("Mn", "Mc")
)
_WORDS = re.compile(rf"[^\W\d_](?:[^\W\d_]|[{_MARKS}])*")
_ECHO_CJK = re.compile("[\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # Han, Katakana
_CJK_LANGUAGES = ("zh", "ja")
# Written without spaces between words: hedges are found as substrings.
_UNSPACED_LANGUAGES = (*_CJK_LANGUAGES, "th")

# A right answer this many times longer than every wrong one (or shorter) gives it away.
LENGTH_MARGIN = 1.3
# Quiz-wide: warn when one true/false key is more than this share of them...
TRUE_FALSE_SHARE = 2 / 3
# ...or when the key is the longest (or shortest) option in more than this share of the
# single-answer questions; by chance it is 1 in the number of options (25% with four).
EXTREME_KEY_SHARE = 0.4
# Below these counts a share says nothing.
MIN_TRUE_FALSE = 3
MIN_SINGLE = 5


def base(lang: str) -> str:
    """The language without region or script: pt_BR -> pt, zh_Hans -> zh."""
    return lang.replace("-", "_").split("_")[0].lower()


def question_text(question: Question) -> str:
    """The question and its scenario, as plain text."""
    return f"{html_text(question.prompt_html)} {html_text(question.scenario_html)}".strip()


def answer_texts(question: Question) -> dict[str, str]:
    """Answer id -> the answer as plain text."""
    return {a.id: html_text(a.html) for a in question.answers}


def length(text: str) -> int:
    """Characters, whitespace collapsed: comparable between options in any script."""
    return len(" ".join(text.split()))


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.lower())


def _matches(word: str, entry: str) -> bool:
    return word.startswith(entry[:-1]) if entry.endswith("*") else word == entry


def hedges(text: str, lang: str) -> int:
    """How many cautious or absolute words ``text`` uses (see HEDGES and the limits above)."""
    lang = base(lang)
    entries = HEDGES.get(lang, ())
    if lang in _UNSPACED_LANGUAGES:
        return sum(text.count(entry.removesuffix("*")) for entry in entries)
    count = 0
    for word in _words(text):
        forms = [word]
        if lang == "he" and len(word) > 2 and word[0] in HEBREW_PREFIXES:
            forms.append(word[1:])
        count += any(_matches(form, entry) for form in forms for entry in entries)
    return count


def echo_tokens(text: str, lang: str) -> set[str]:
    """What counts as a word when comparing an answer with its question: words of four
    letters or more (shorter ones are mostly grammar), or single Han and Katakana
    characters in Chinese and Japanese text."""
    cjk = set(_ECHO_CJK.findall(text)) - ZH_COMMON
    if base(lang) in _CJK_LANGUAGES:
        return cjk
    return {w for w in _words(text) if len(w) >= 4} | cjk


def echo(answer: str, question: str, lang: str) -> int:
    """How many of the question's words the answer repeats."""
    return len(echo_tokens(answer, lang) & echo_tokens(question, lang))


def points_at_others(text: str, lang: str) -> str | None:
    """The "all/none of the above" phrase in ``text``, if any."""
    lowered = " ".join(text.lower().split())
    return next((p for p in ABOVE.get(base(lang), ()) + ABOVE["en"] if p in lowered), None)


def _warning(quiz: Quiz, line: int, message: str) -> Problem:
    return Problem(quiz.path, line, message, "warning")


def _length_cue(question: Question, texts: dict[str, str]) -> str | None:
    right = [length(texts[i]) for i in sorted(question.correct_ids)]
    wrong = [length(t) for i, t in texts.items() if i not in question.correct_ids]
    if not right or not wrong:
        return None
    if min(right) >= LENGTH_MARGIN * max(wrong):
        return (
            f"the right answer is much longer than every wrong one ({min(right)} characters, "
            f"the longest wrong one {max(wrong)}): a guesser who picks the longest passes; "
            "make the options about as long as each other"
        )
    if LENGTH_MARGIN * max(right) <= min(wrong):
        return (
            f"the right answer is much shorter than every wrong one ({max(right)} characters, "
            f"the shortest wrong one {min(wrong)}): a guesser who picks the shortest passes"
        )
    return None


def _hedge_cue(question: Question, texts: dict[str, str], lang: str) -> str | None:
    hedged = {i for i, text in texts.items() if hedges(text, lang)}
    if hedged and hedged == question.correct_ids and len(texts) > len(hedged):
        return (
            "only the right answer(s) use cautious wording (ask, check, only, never…): a "
            "guesser who picks the careful-sounding option passes; word the others as "
            "carefully, or the key plainly"
        )
    return None


def _question_warnings(quiz: Quiz, question: Question) -> list[Problem]:
    if question.kind == "true-false":
        return []
    texts = answer_texts(question)
    problems = []
    for cue in (_length_cue(question, texts), _hedge_cue(question, texts, quiz.lang)):
        if cue:
            problems.append(_warning(quiz, question.line, f"question '{question.id}': {cue}"))
    for answer_id, text in texts.items():
        phrase = points_at_others(text, quiz.lang)
        if phrase:
            message = (
                f"question '{question.id}', answer {answer_id}: \"{phrase}\" — answers are "
                "shuffled, so nothing is above, and such options are easy to guess; name "
                "the options instead"
            )
            problems.append(_warning(quiz, question.line, message))
    return problems


def _true_false_balance(quiz: Quiz) -> list[Problem]:
    keys = [q.correct_ids == {"a"} for q in quiz.questions if q.kind == "true-false"]
    if len(keys) < MIN_TRUE_FALSE:
        return []
    true = sum(keys)
    most, word = max((true, "true"), (len(keys) - true, "false"))
    if most <= TRUE_FALSE_SHARE * len(keys):
        return []
    message = (
        f"{most} of {len(keys)} true/false questions are {word}: a guesser who always "
        f"answers {word} gets them right; balance the keys"
    )
    return [_warning(quiz, 1, message)]


def _extreme_keys(quiz: Quiz) -> list[Problem]:
    singles = [q for q in quiz.questions if q.kind == "single" and len(q.answers) > 1]
    if len(singles) < MIN_SINGLE:
        return []
    problems = []
    extremes: dict[str, Callable[[Iterable[int]], int]] = {"longest": max, "shortest": min}
    for word, pick in extremes.items():
        hits = 0
        for q in singles:
            lengths = {i: length(t) for i, t in answer_texts(q).items()}
            best = pick(lengths.values())
            hits += [i for i, n in lengths.items() if n == best] == sorted(q.correct_ids)
        if hits > EXTREME_KEY_SHARE * len(singles):
            message = (
                f"the right answer is the {word} option in {hits} of {len(singles)} "
                f"single-answer questions ({round(100 * hits / len(singles))}%): a guesser "
                f"who picks the {word} one does well; by chance it would be about 1 in the "
                "number of options"
            )
            problems.append(_warning(quiz, 1, message))
    return problems


def cue_warnings(quiz: Quiz) -> list[Problem]:
    """Warnings (never errors) for keys a rule can predict, each question at its line and
    the quiz-wide ones at line 1."""
    problems = _true_false_balance(quiz) + _extreme_keys(quiz)
    for question in quiz.questions:
        problems += _question_warnings(quiz, question)
    return problems
