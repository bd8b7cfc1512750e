"""Geolocation codes Route 53 accepts: continents, ISO 3166-1 alpha-2 countries, US states, `*`."""

from __future__ import annotations

CONTINENTS = {"AF": "Africa", "AN": "Antarctica", "AS": "Asia", "EU": "Europe", "NA": "North America",
              "OC": "Oceania", "SA": "South America"}

COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY
BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM
FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT
JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN
MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT
PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL
TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""".split())

US_STATES = frozenset("""
AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE NH NJ NM NV NY OH OK
OR PA RI SC SD TN TX UT VA VT WA WI WV WY
""".split())


def location_problem(continent: str | None, country: str | None, subdivision: str | None) -> str | None:
    """Why this geolocation is not one Route 53 accepts (None when it is)."""
    if continent and (country or subdivision):
        return "give a continent or a country, not both"
    if continent:
        return None if continent in CONTINENTS else (
            f"continent {continent!r} is unknown (use one of {', '.join(sorted(CONTINENTS))})")
    if country is None:
        return 'give {continent: XX}, {country: XX} or "*" for the default'
    if country == "*":
        return "the default location * takes no subdivision" if subdivision else None
    if country not in COUNTRIES:
        return f"country {country!r} is not an ISO 3166-1 alpha-2 code (e.g. US, DE, JP)"
    if subdivision and country == "US" and subdivision not in US_STATES:
        return f"subdivision {subdivision!r} is not a US state code (e.g. CA, NY)"
    return None
