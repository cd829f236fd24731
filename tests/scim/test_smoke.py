def test_smoke(scim):
    r = scim.post("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ana@x.com", "emails": [{"value": "ana@x.com", "type": "work"}], "name": {"givenName": "Ana", "familyName": "B"}})
    print(r.status_code, r.get_json())
    uid = r.get_json()["id"]
    r = scim.patch(f"/Users/{uid}", {"op": "Replace", "path": "active", "value": "False"})
    print(r.status_code, r.get_data(as_text=True))
    r = scim.get(f"/Users/{uid}")
    print(r.status_code, r.get_json())
    r = scim.get("/Users", query_string={"filter": 'userName eq "ANA@x.com"'})
    print(r.status_code, r.get_json())
    r = scim.get("/ServiceProviderConfig")
    print(r.status_code, r.get_json())
    assert 0
