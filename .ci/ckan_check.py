"""Reads congso's open-data catalogue with ckanapi, CKAN's own client: every dataset through package_show, a
search, the organizations, each resource through resource_show and then downloaded, its CSV header checked against
the dataset's, and a missing dataset raised as ckanapi's NotFound. Used by crates/opendata/tests/api.rs.

    python3 .ci/ckan_check.py http://127.0.0.1:PORT
"""
import csv
import io
import sys
import urllib.request

import ckanapi

site = ckanapi.RemoteCKAN(sys.argv[1].rstrip("/"), user_agent="congso-ci")
names = site.action.package_list()
assert len(names) >= 1, names
resources = 0
for name in names:
    package = site.action.package_show(id=name)
    assert package["name"] == name and package["state"] == "active", package
    assert package["organization"]["name"] == package["owner_org"], package
    for resource in package["resources"]:
        shown = site.action.resource_show(id=resource["id"])
        assert shown["url"] == resource["url"], shown
        with urllib.request.urlopen(resource["url"]) as answer:
            body = answer.read()
        if resource["format"] == "CSV":
            header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
            assert header, resource["url"]
        resources += 1
found = site.action.package_search(q="dan so", rows=10)
assert found["count"] >= 1 and all(r["name"] in names for r in found["results"]), found
organizations = site.action.organization_list(all_fields=True)
assert sum(o["package_count"] for o in organizations) == len(names), organizations
try:
    site.action.package_show(id="khong-co-bo-du-lieu-nay")
    raise SystemExit("a missing dataset was found")
except ckanapi.NotFound:
    pass
print(f"ckanapi: {len(names)} datasets, {resources} resources, {len(organizations)} organizations read")
