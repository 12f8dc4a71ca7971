/*
 * ISO 3166-1 alpha-2 and alpha-3 codes of the 214 countries and
 * territories in ci-data/data/country_ci_latest.csv, sorted by alpha-2.
 * The pairs were checked against the co2.js country table
 * (thegreenwebfoundation/co2.js@27cbe832, Apache-2.0), whose entries for
 * the Cayman Islands (KY) and Western Sahara (EH) are missing or wrong.
 */
#include <stddef.h>
#include <strings.h>

#include "ci-data/iso3166.h"
#include "core/banned.h"

static const struct {
	char a2[3];
	char a3[4];
} codes[] = {
	{ "AE", "ARE" }, { "AF", "AFG" }, { "AG", "ATG" },
	{ "AL", "ALB" }, { "AM", "ARM" }, { "AO", "AGO" },
	{ "AR", "ARG" }, { "AS", "ASM" }, { "AT", "AUT" },
	{ "AU", "AUS" }, { "AW", "ABW" }, { "AZ", "AZE" },
	{ "BA", "BIH" }, { "BB", "BRB" }, { "BD", "BGD" },
	{ "BE", "BEL" }, { "BF", "BFA" }, { "BG", "BGR" },
	{ "BH", "BHR" }, { "BI", "BDI" }, { "BJ", "BEN" },
	{ "BM", "BMU" }, { "BN", "BRN" }, { "BO", "BOL" },
	{ "BR", "BRA" }, { "BS", "BHS" }, { "BT", "BTN" },
	{ "BW", "BWA" }, { "BY", "BLR" }, { "BZ", "BLZ" },
	{ "CA", "CAN" }, { "CD", "COD" }, { "CF", "CAF" },
	{ "CG", "COG" }, { "CH", "CHE" }, { "CI", "CIV" },
	{ "CK", "COK" }, { "CL", "CHL" }, { "CM", "CMR" },
	{ "CN", "CHN" }, { "CO", "COL" }, { "CR", "CRI" },
	{ "CU", "CUB" }, { "CV", "CPV" }, { "CY", "CYP" },
	{ "CZ", "CZE" }, { "DE", "DEU" }, { "DJ", "DJI" },
	{ "DK", "DNK" }, { "DM", "DMA" }, { "DO", "DOM" },
	{ "DZ", "DZA" }, { "EC", "ECU" }, { "EE", "EST" },
	{ "EG", "EGY" }, { "EH", "ESH" }, { "ER", "ERI" },
	{ "ES", "ESP" }, { "ET", "ETH" }, { "FI", "FIN" },
	{ "FJ", "FJI" }, { "FK", "FLK" }, { "FO", "FRO" },
	{ "FR", "FRA" }, { "GA", "GAB" }, { "GB", "GBR" },
	{ "GD", "GRD" }, { "GE", "GEO" }, { "GF", "GUF" },
	{ "GH", "GHA" }, { "GI", "GIB" }, { "GL", "GRL" },
	{ "GM", "GMB" }, { "GN", "GIN" }, { "GP", "GLP" },
	{ "GQ", "GNQ" }, { "GR", "GRC" }, { "GT", "GTM" },
	{ "GU", "GUM" }, { "GW", "GNB" }, { "GY", "GUY" },
	{ "HK", "HKG" }, { "HN", "HND" }, { "HR", "HRV" },
	{ "HT", "HTI" }, { "HU", "HUN" }, { "ID", "IDN" },
	{ "IE", "IRL" }, { "IL", "ISR" }, { "IN", "IND" },
	{ "IQ", "IRQ" }, { "IR", "IRN" }, { "IS", "ISL" },
	{ "IT", "ITA" }, { "JM", "JAM" }, { "JO", "JOR" },
	{ "JP", "JPN" }, { "KE", "KEN" }, { "KG", "KGZ" },
	{ "KH", "KHM" }, { "KI", "KIR" }, { "KM", "COM" },
	{ "KN", "KNA" }, { "KP", "PRK" }, { "KR", "KOR" },
	{ "KW", "KWT" }, { "KY", "CYM" }, { "KZ", "KAZ" },
	{ "LA", "LAO" }, { "LB", "LBN" }, { "LC", "LCA" },
	{ "LK", "LKA" }, { "LR", "LBR" }, { "LS", "LSO" },
	{ "LT", "LTU" }, { "LU", "LUX" }, { "LV", "LVA" },
	{ "LY", "LBY" }, { "MA", "MAR" }, { "MD", "MDA" },
	{ "ME", "MNE" }, { "MG", "MDG" }, { "MK", "MKD" },
	{ "ML", "MLI" }, { "MM", "MMR" }, { "MN", "MNG" },
	{ "MO", "MAC" }, { "MQ", "MTQ" }, { "MR", "MRT" },
	{ "MS", "MSR" }, { "MT", "MLT" }, { "MU", "MUS" },
	{ "MV", "MDV" }, { "MW", "MWI" }, { "MX", "MEX" },
	{ "MY", "MYS" }, { "MZ", "MOZ" }, { "NA", "NAM" },
	{ "NC", "NCL" }, { "NE", "NER" }, { "NG", "NGA" },
	{ "NI", "NIC" }, { "NL", "NLD" }, { "NO", "NOR" },
	{ "NP", "NPL" }, { "NR", "NRU" }, { "NZ", "NZL" },
	{ "OM", "OMN" }, { "PA", "PAN" }, { "PE", "PER" },
	{ "PF", "PYF" }, { "PG", "PNG" }, { "PH", "PHL" },
	{ "PK", "PAK" }, { "PL", "POL" }, { "PM", "SPM" },
	{ "PR", "PRI" }, { "PS", "PSE" }, { "PT", "PRT" },
	{ "PY", "PRY" }, { "QA", "QAT" }, { "RE", "REU" },
	{ "RO", "ROU" }, { "RS", "SRB" }, { "RU", "RUS" },
	{ "RW", "RWA" }, { "SA", "SAU" }, { "SB", "SLB" },
	{ "SC", "SYC" }, { "SD", "SDN" }, { "SE", "SWE" },
	{ "SG", "SGP" }, { "SH", "SHN" }, { "SI", "SVN" },
	{ "SK", "SVK" }, { "SL", "SLE" }, { "SN", "SEN" },
	{ "SO", "SOM" }, { "SR", "SUR" }, { "SS", "SSD" },
	{ "ST", "STP" }, { "SV", "SLV" }, { "SY", "SYR" },
	{ "SZ", "SWZ" }, { "TC", "TCA" }, { "TD", "TCD" },
	{ "TG", "TGO" }, { "TH", "THA" }, { "TJ", "TJK" },
	{ "TL", "TLS" }, { "TM", "TKM" }, { "TN", "TUN" },
	{ "TO", "TON" }, { "TR", "TUR" }, { "TT", "TTO" },
	{ "TW", "TWN" }, { "TZ", "TZA" }, { "UA", "UKR" },
	{ "UG", "UGA" }, { "US", "USA" }, { "UY", "URY" },
	{ "UZ", "UZB" }, { "VC", "VCT" }, { "VE", "VEN" },
	{ "VG", "VGB" }, { "VI", "VIR" }, { "VN", "VNM" },
	{ "VU", "VUT" }, { "WS", "WSM" }, { "XK", "XKX" },
	{ "YE", "YEM" }, { "ZA", "ZAF" }, { "ZM", "ZMB" },
	{ "ZW", "ZWE" },
};

#define NCODES (sizeof codes / sizeof codes[0])

const char *
ci_iso_alpha3(const char *a2)
{
	size_t i;

	if (strcasecmp(a2, "UK") == 0)
		a2 = "GB";
	for (i = 0; i < NCODES; i++)
		if (strcasecmp(codes[i].a2, a2) == 0)
			return codes[i].a3;
	return NULL;
}

const char *
ci_iso_alpha2(const char *a3)
{
	size_t i;

	for (i = 0; i < NCODES; i++)
		if (strcasecmp(codes[i].a3, a3) == 0)
			return codes[i].a2;
	return NULL;
}
