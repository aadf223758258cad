/*
 * types.c - the MISP attribute type table, and validation and
 * canonicalisation of attribute values.
 *
 * The first half is data: every type and category of MISP's describeTypes
 * (PyMISP pymisp/data/describeTypes.json, which MISP's Attribute::$typeDefinitions
 * and $categoryDefinitions produce), in the file's orders.  The HTTP layer
 * renders describeTypes.json from these tables and an API test compares the
 * result with the reference file, so order matters everywhere:
 *
 *   enum type_id / type_table      "types" order
 *   sane_defaults_order            "sane_defaults" key order
 *   enum category_id / category_table   "categories" order
 *   cat_* lists                    each "category_type_mappings" list's order
 *
 * types_by_name and categories_by_name are the same ids sorted by name in byte
 * order (strcmp), so look-ups are a binary search over static data: no
 * initialisation, nothing to lock.  tests/unit/test_types.c finds every name
 * through both indexes (which fails if one is out of order) and compares
 * every table with the reference file.  The tables were generated once from that file; edit them by
 * hand now, keeping the invariants above.
 *
 * The second half canonicalises values.  It follows MISP's own pipeline
 * (Attribute::beforeValidateMassage, then AttributeValidationTool::
 * modifyBeforeValidation and ::validate; ComplexTypeTool::refangValue): trim,
 * refang, type-specific rewriting (lower-case hashes, compress IPv6, ...), then
 * a check.  The result is what Liaison stores, compares and correlates, so it
 * must be the form MISP itself stores for the same input; where MISP is lax
 * to the point of storing garbage (an IPv6 "ip|port" split at a dot, a domain
 * with empty labels) we are stricter and say so in the rule's comment.
 *
 * Not here: categories of a given value (that is the free-text importer),
 * warning lists, attachments' bytes, storage.
 */
#include "core/types.h"

#include "codec/observable.h"
#include "util/limits.h"
#include "util/parse.h"

#include <assert.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A category: its name and the ids of the types it allows, in MISP's order. */
struct category {
    const char *name;
    const uint8_t *types;
    size_t ntypes;
};

/* The tables below are laid out by hand. */
/* clang-format off */
#define CATEGORY(name, list) {(name), (list), NELEM(list)}

/* ---------------------------------------------------------------------------
 * The table (generated from describeTypes.json, then maintained by hand)
 * ------------------------------------------------------------------------- */

/* Type ids: the index of each type in describeTypes "types" order. */
enum type_id {
    T_MD5,
    T_SHA1,
    T_SHA256,
    T_FILENAME,
    T_PDB,
    T_FILENAME_MD5,
    T_FILENAME_SHA1,
    T_FILENAME_SHA256,
    T_IP_SRC,
    T_IP_DST,
    T_HOSTNAME,
    T_DOMAIN,
    T_DOMAIN_IP,
    T_EMAIL,
    T_EMAIL_SRC,
    T_EPPN,
    T_EMAIL_DST,
    T_EMAIL_SUBJECT,
    T_EMAIL_ATTACHMENT,
    T_EMAIL_BODY,
    T_FLOAT,
    T_GIT_COMMIT_ID,
    T_URL,
    T_HTTP_METHOD,
    T_USER_AGENT,
    T_JA3_FINGERPRINT_MD5,
    T_JARM_FINGERPRINT,
    T_FAVICON_MMH3,
    T_HASSH_MD5,
    T_HASSHSERVER_MD5,
    T_REGKEY,
    T_REGKEY_VALUE,
    T_AS,
    T_SNORT,
    T_SURICATA,
    T_BRO,
    T_ZEEK,
    T_COMMUNITY_ID,
    T_DOM_HASH,
    T_PATTERN_IN_FILE,
    T_PATTERN_IN_TRAFFIC,
    T_PATTERN_IN_MEMORY,
    T_FILENAME_PATTERN,
    T_PGP_PUBLIC_KEY,
    T_PGP_PRIVATE_KEY,
    T_SSH_FINGERPRINT,
    T_YARA,
    T_STIX2_PATTERN,
    T_SIGMA,
    T_GENE,
    T_KUSTO_QUERY,
    T_MIME_TYPE,
    T_IDENTITY_CARD_NUMBER,
    T_COOKIE,
    T_VULNERABILITY,
    T_CPE,
    T_WEAKNESS,
    T_ATTACHMENT,
    T_MALWARE_SAMPLE,
    T_LINK,
    T_COMMENT,
    T_TEXT,
    T_HEX,
    T_OTHER,
    T_NAMED_PIPE,
    T_MUTEX,
    T_PROCESS_STATE,
    T_TARGET_USER,
    T_TARGET_EMAIL,
    T_TARGET_MACHINE,
    T_TARGET_ORG,
    T_TARGET_LOCATION,
    T_TARGET_EXTERNAL,
    T_BTC,
    T_DASH,
    T_XMR,
    T_IBAN,
    T_BIC,
    T_BANK_ACCOUNT_NR,
    T_ABA_RTN,
    T_BIN,
    T_CC_NUMBER,
    T_PRTN,
    T_PHONE_NUMBER,
    T_THREAT_ACTOR,
    T_CAMPAIGN_NAME,
    T_CAMPAIGN_ID,
    T_MALWARE_TYPE,
    T_URI,
    T_AUTHENTIHASH,
    T_VHASH,
    T_SSDEEP,
    T_IMPHASH,
    T_TELFHASH,
    T_PEHASH,
    T_IMPFUZZY,
    T_SHA224,
    T_SHA384,
    T_SHA512,
    T_SHA512_224,
    T_SHA512_256,
    T_SHA3_224,
    T_SHA3_256,
    T_SHA3_384,
    T_SHA3_512,
    T_TLSH,
    T_CDHASH,
    T_FILENAME_AUTHENTIHASH,
    T_FILENAME_VHASH,
    T_FILENAME_SSDEEP,
    T_FILENAME_IMPHASH,
    T_FILENAME_IMPFUZZY,
    T_FILENAME_PEHASH,
    T_FILENAME_SHA224,
    T_FILENAME_SHA384,
    T_FILENAME_SHA512,
    T_FILENAME_SHA512_224,
    T_FILENAME_SHA512_256,
    T_FILENAME_SHA3_224,
    T_FILENAME_SHA3_256,
    T_FILENAME_SHA3_384,
    T_FILENAME_SHA3_512,
    T_FILENAME_TLSH,
    T_WINDOWS_SCHEDULED_TASK,
    T_WINDOWS_SERVICE_NAME,
    T_WINDOWS_SERVICE_DISPLAYNAME,
    T_WHOIS_REGISTRANT_EMAIL,
    T_WHOIS_REGISTRANT_PHONE,
    T_WHOIS_REGISTRANT_NAME,
    T_WHOIS_REGISTRANT_ORG,
    T_WHOIS_REGISTRAR,
    T_WHOIS_CREATION_DATE,
    T_X509_FINGERPRINT_SHA1,
    T_X509_FINGERPRINT_MD5,
    T_X509_FINGERPRINT_SHA256,
    T_DNS_SOA_EMAIL,
    T_SIZE_IN_BYTES,
    T_COUNTER,
    T_INTEGER,
    T_DATETIME,
    T_PORT,
    T_IP_DST_PORT,
    T_IP_SRC_PORT,
    T_HOSTNAME_PORT,
    T_MAC_ADDRESS,
    T_MAC_EUI_64,
    T_EMAIL_DST_DISPLAY_NAME,
    T_EMAIL_SRC_DISPLAY_NAME,
    T_EMAIL_HEADER,
    T_EMAIL_REPLY_TO,
    T_EMAIL_X_MAILER,
    T_EMAIL_MIME_BOUNDARY,
    T_EMAIL_THREAD_INDEX,
    T_EMAIL_MESSAGE_ID,
    T_GITHUB_USERNAME,
    T_GITHUB_REPOSITORY,
    T_GITHUB_ORGANISATION,
    T_JABBER_ID,
    T_TWITTER_ID,
    T_DKIM,
    T_DKIM_SIGNATURE,
    T_FIRST_NAME,
    T_MIDDLE_NAME,
    T_LAST_NAME,
    T_FULL_NAME,
    T_DATE_OF_BIRTH,
    T_PLACE_OF_BIRTH,
    T_GENDER,
    T_PASSPORT_NUMBER,
    T_PASSPORT_COUNTRY,
    T_PASSPORT_EXPIRATION,
    T_REDRESS_NUMBER,
    T_NATIONALITY,
    T_VISA_NUMBER,
    T_ISSUE_DATE_OF_THE_VISA,
    T_PRIMARY_RESIDENCE,
    T_COUNTRY_OF_RESIDENCE,
    T_SPECIAL_SERVICE_REQUEST,
    T_FREQUENT_FLYER_NUMBER,
    T_TRAVEL_DETAILS,
    T_PAYMENT_DETAILS,
    T_PLACE_PORT_OF_ORIGINAL_EMBARKATION,
    T_PLACE_PORT_OF_CLEARANCE,
    T_PLACE_PORT_OF_ONWARD_FOREIGN_DESTINATION,
    T_PASSENGER_NAME_RECORD_LOCATOR_NUMBER,
    T_MOBILE_APPLICATION_ID,
    T_AZURE_APPLICATION_ID,
    T_CHROME_EXTENSION_ID,
    T_EDGE_EXTENSION_ID,
    T_CORTEX,
    T_BOOLEAN,
    T_UUID,
    T_ANONYMISED,
    T_ONION_ADDRESS,
    TYPE_COUNT
};

/* describeTypes "types" order, with "sane_defaults" values. */
static const struct attr_type type_table[TYPE_COUNT] = {
    [T_MD5] = {"md5", "Payload delivery", true},
    [T_SHA1] = {"sha1", "Payload delivery", true},
    [T_SHA256] = {"sha256", "Payload delivery", true},
    [T_FILENAME] = {"filename", "Payload delivery", true},
    [T_PDB] = {"pdb", "Artifacts dropped", false},
    [T_FILENAME_MD5] = {"filename|md5", "Payload delivery", true},
    [T_FILENAME_SHA1] = {"filename|sha1", "Payload delivery", true},
    [T_FILENAME_SHA256] = {"filename|sha256", "Payload delivery", true},
    [T_IP_SRC] = {"ip-src", "Network activity", true},
    [T_IP_DST] = {"ip-dst", "Network activity", true},
    [T_HOSTNAME] = {"hostname", "Network activity", true},
    [T_DOMAIN] = {"domain", "Network activity", true},
    [T_DOMAIN_IP] = {"domain|ip", "Network activity", true},
    [T_EMAIL] = {"email", "Social network", true},
    [T_EMAIL_SRC] = {"email-src", "Payload delivery", true},
    [T_EPPN] = {"eppn", "Network activity", true},
    [T_EMAIL_DST] = {"email-dst", "Network activity", true},
    [T_EMAIL_SUBJECT] = {"email-subject", "Payload delivery", false},
    [T_EMAIL_ATTACHMENT] = {"email-attachment", "Payload delivery", true},
    [T_EMAIL_BODY] = {"email-body", "Payload delivery", false},
    [T_FLOAT] = {"float", "Other", false},
    [T_GIT_COMMIT_ID] = {"git-commit-id", "Internal reference", false},
    [T_URL] = {"url", "Network activity", true},
    [T_HTTP_METHOD] = {"http-method", "Network activity", false},
    [T_USER_AGENT] = {"user-agent", "Network activity", false},
    [T_JA3_FINGERPRINT_MD5] = {"ja3-fingerprint-md5", "Network activity", true},
    [T_JARM_FINGERPRINT] = {"jarm-fingerprint", "Network activity", true},
    [T_FAVICON_MMH3] = {"favicon-mmh3", "Network activity", true},
    [T_HASSH_MD5] = {"hassh-md5", "Network activity", true},
    [T_HASSHSERVER_MD5] = {"hasshserver-md5", "Network activity", true},
    [T_REGKEY] = {"regkey", "Persistence mechanism", true},
    [T_REGKEY_VALUE] = {"regkey|value", "Persistence mechanism", true},
    [T_AS] = {"AS", "Network activity", false},
    [T_SNORT] = {"snort", "Network activity", true},
    [T_SURICATA] = {"suricata", "Network activity", true},
    [T_BRO] = {"bro", "Network activity", true},
    [T_ZEEK] = {"zeek", "Network activity", true},
    [T_COMMUNITY_ID] = {"community-id", "Network activity", true},
    [T_DOM_HASH] = {"dom-hash", "Network activity", true},
    [T_PATTERN_IN_FILE] = {"pattern-in-file", "Payload installation", true},
    [T_PATTERN_IN_TRAFFIC] = {"pattern-in-traffic", "Network activity", true},
    [T_PATTERN_IN_MEMORY] = {"pattern-in-memory", "Payload installation", true},
    [T_FILENAME_PATTERN] = {"filename-pattern", "Payload installation", true},
    [T_PGP_PUBLIC_KEY] = {"pgp-public-key", "Person", false},
    [T_PGP_PRIVATE_KEY] = {"pgp-private-key", "Person", false},
    [T_SSH_FINGERPRINT] = {"ssh-fingerprint", "Network activity", false},
    [T_YARA] = {"yara", "Payload installation", true},
    [T_STIX2_PATTERN] = {"stix2-pattern", "Payload installation", true},
    [T_SIGMA] = {"sigma", "Payload installation", true},
    [T_GENE] = {"gene", "Artifacts dropped", false},
    [T_KUSTO_QUERY] = {"kusto-query", "Artifacts dropped", false},
    [T_MIME_TYPE] = {"mime-type", "Artifacts dropped", false},
    [T_IDENTITY_CARD_NUMBER] = {"identity-card-number", "Person", false},
    [T_COOKIE] = {"cookie", "Network activity", false},
    [T_VULNERABILITY] = {"vulnerability", "External analysis", false},
    [T_CPE] = {"cpe", "External analysis", false},
    [T_WEAKNESS] = {"weakness", "External analysis", false},
    [T_ATTACHMENT] = {"attachment", "External analysis", false},
    [T_MALWARE_SAMPLE] = {"malware-sample", "Payload delivery", true},
    [T_LINK] = {"link", "External analysis", false},
    [T_COMMENT] = {"comment", "Other", false},
    [T_TEXT] = {"text", "Other", false},
    [T_HEX] = {"hex", "Other", false},
    [T_OTHER] = {"other", "Other", false},
    [T_NAMED_PIPE] = {"named pipe", "Artifacts dropped", false},
    [T_MUTEX] = {"mutex", "Artifacts dropped", true},
    [T_PROCESS_STATE] = {"process-state", "Artifacts dropped", false},
    [T_TARGET_USER] = {"target-user", "Targeting data", false},
    [T_TARGET_EMAIL] = {"target-email", "Targeting data", false},
    [T_TARGET_MACHINE] = {"target-machine", "Targeting data", false},
    [T_TARGET_ORG] = {"target-org", "Targeting data", false},
    [T_TARGET_LOCATION] = {"target-location", "Targeting data", false},
    [T_TARGET_EXTERNAL] = {"target-external", "Targeting data", false},
    [T_BTC] = {"btc", "Financial fraud", true},
    [T_DASH] = {"dash", "Financial fraud", true},
    [T_XMR] = {"xmr", "Financial fraud", true},
    [T_IBAN] = {"iban", "Financial fraud", true},
    [T_BIC] = {"bic", "Financial fraud", true},
    [T_BANK_ACCOUNT_NR] = {"bank-account-nr", "Financial fraud", true},
    [T_ABA_RTN] = {"aba-rtn", "Financial fraud", true},
    [T_BIN] = {"bin", "Financial fraud", true},
    [T_CC_NUMBER] = {"cc-number", "Financial fraud", true},
    [T_PRTN] = {"prtn", "Financial fraud", true},
    [T_PHONE_NUMBER] = {"phone-number", "Person", false},
    [T_THREAT_ACTOR] = {"threat-actor", "Attribution", false},
    [T_CAMPAIGN_NAME] = {"campaign-name", "Attribution", false},
    [T_CAMPAIGN_ID] = {"campaign-id", "Attribution", false},
    [T_MALWARE_TYPE] = {"malware-type", "Payload delivery", false},
    [T_URI] = {"uri", "Network activity", true},
    [T_AUTHENTIHASH] = {"authentihash", "Payload delivery", true},
    [T_VHASH] = {"vhash", "Payload delivery", true},
    [T_SSDEEP] = {"ssdeep", "Payload delivery", true},
    [T_IMPHASH] = {"imphash", "Payload delivery", true},
    [T_TELFHASH] = {"telfhash", "Payload delivery", true},
    [T_PEHASH] = {"pehash", "Payload delivery", true},
    [T_IMPFUZZY] = {"impfuzzy", "Payload delivery", true},
    [T_SHA224] = {"sha224", "Payload delivery", true},
    [T_SHA384] = {"sha384", "Payload delivery", true},
    [T_SHA512] = {"sha512", "Payload delivery", true},
    [T_SHA512_224] = {"sha512/224", "Payload delivery", true},
    [T_SHA512_256] = {"sha512/256", "Payload delivery", true},
    [T_SHA3_224] = {"sha3-224", "Payload delivery", true},
    [T_SHA3_256] = {"sha3-256", "Payload delivery", true},
    [T_SHA3_384] = {"sha3-384", "Payload delivery", true},
    [T_SHA3_512] = {"sha3-512", "Payload delivery", true},
    [T_TLSH] = {"tlsh", "Payload delivery", true},
    [T_CDHASH] = {"cdhash", "Payload delivery", true},
    [T_FILENAME_AUTHENTIHASH] = {"filename|authentihash", "Payload delivery", true},
    [T_FILENAME_VHASH] = {"filename|vhash", "Payload delivery", true},
    [T_FILENAME_SSDEEP] = {"filename|ssdeep", "Payload delivery", true},
    [T_FILENAME_IMPHASH] = {"filename|imphash", "Payload delivery", true},
    [T_FILENAME_IMPFUZZY] = {"filename|impfuzzy", "Payload delivery", true},
    [T_FILENAME_PEHASH] = {"filename|pehash", "Payload delivery", true},
    [T_FILENAME_SHA224] = {"filename|sha224", "Payload delivery", true},
    [T_FILENAME_SHA384] = {"filename|sha384", "Payload delivery", true},
    [T_FILENAME_SHA512] = {"filename|sha512", "Payload delivery", true},
    [T_FILENAME_SHA512_224] = {"filename|sha512/224", "Payload delivery", true},
    [T_FILENAME_SHA512_256] = {"filename|sha512/256", "Payload delivery", true},
    [T_FILENAME_SHA3_224] = {"filename|sha3-224", "Payload delivery", true},
    [T_FILENAME_SHA3_256] = {"filename|sha3-256", "Payload delivery", true},
    [T_FILENAME_SHA3_384] = {"filename|sha3-384", "Payload delivery", true},
    [T_FILENAME_SHA3_512] = {"filename|sha3-512", "Payload delivery", true},
    [T_FILENAME_TLSH] = {"filename|tlsh", "Payload delivery", true},
    [T_WINDOWS_SCHEDULED_TASK] = {"windows-scheduled-task", "Artifacts dropped", false},
    [T_WINDOWS_SERVICE_NAME] = {"windows-service-name", "Artifacts dropped", false},
    [T_WINDOWS_SERVICE_DISPLAYNAME] = {"windows-service-displayname", "Artifacts dropped", false},
    [T_WHOIS_REGISTRANT_EMAIL] = {"whois-registrant-email", "Attribution", false},
    [T_WHOIS_REGISTRANT_PHONE] = {"whois-registrant-phone", "Attribution", false},
    [T_WHOIS_REGISTRANT_NAME] = {"whois-registrant-name", "Attribution", false},
    [T_WHOIS_REGISTRANT_ORG] = {"whois-registrant-org", "Attribution", false},
    [T_WHOIS_REGISTRAR] = {"whois-registrar", "Attribution", false},
    [T_WHOIS_CREATION_DATE] = {"whois-creation-date", "Attribution", false},
    [T_X509_FINGERPRINT_SHA1] = {"x509-fingerprint-sha1", "Network activity", true},
    [T_X509_FINGERPRINT_MD5] = {"x509-fingerprint-md5", "Network activity", true},
    [T_X509_FINGERPRINT_SHA256] = {"x509-fingerprint-sha256", "Network activity", true},
    [T_DNS_SOA_EMAIL] = {"dns-soa-email", "Attribution", false},
    [T_SIZE_IN_BYTES] = {"size-in-bytes", "Other", false},
    [T_COUNTER] = {"counter", "Other", false},
    [T_INTEGER] = {"integer", "Other", false},
    [T_DATETIME] = {"datetime", "Other", false},
    [T_PORT] = {"port", "Network activity", false},
    [T_IP_DST_PORT] = {"ip-dst|port", "Network activity", true},
    [T_IP_SRC_PORT] = {"ip-src|port", "Network activity", true},
    [T_HOSTNAME_PORT] = {"hostname|port", "Network activity", true},
    [T_MAC_ADDRESS] = {"mac-address", "Network activity", false},
    [T_MAC_EUI_64] = {"mac-eui-64", "Network activity", false},
    [T_EMAIL_DST_DISPLAY_NAME] = {"email-dst-display-name", "Payload delivery", false},
    [T_EMAIL_SRC_DISPLAY_NAME] = {"email-src-display-name", "Payload delivery", false},
    [T_EMAIL_HEADER] = {"email-header", "Payload delivery", false},
    [T_EMAIL_REPLY_TO] = {"email-reply-to", "Payload delivery", false},
    [T_EMAIL_X_MAILER] = {"email-x-mailer", "Payload delivery", false},
    [T_EMAIL_MIME_BOUNDARY] = {"email-mime-boundary", "Payload delivery", false},
    [T_EMAIL_THREAD_INDEX] = {"email-thread-index", "Payload delivery", false},
    [T_EMAIL_MESSAGE_ID] = {"email-message-id", "Payload delivery", false},
    [T_GITHUB_USERNAME] = {"github-username", "Social network", false},
    [T_GITHUB_REPOSITORY] = {"github-repository", "Social network", false},
    [T_GITHUB_ORGANISATION] = {"github-organisation", "Social network", false},
    [T_JABBER_ID] = {"jabber-id", "Social network", false},
    [T_TWITTER_ID] = {"twitter-id", "Social network", false},
    [T_DKIM] = {"dkim", "Network activity", false},
    [T_DKIM_SIGNATURE] = {"dkim-signature", "Network activity", false},
    [T_FIRST_NAME] = {"first-name", "Person", false},
    [T_MIDDLE_NAME] = {"middle-name", "Person", false},
    [T_LAST_NAME] = {"last-name", "Person", false},
    [T_FULL_NAME] = {"full-name", "Person", false},
    [T_DATE_OF_BIRTH] = {"date-of-birth", "Person", false},
    [T_PLACE_OF_BIRTH] = {"place-of-birth", "Person", false},
    [T_GENDER] = {"gender", "Person", false},
    [T_PASSPORT_NUMBER] = {"passport-number", "Person", false},
    [T_PASSPORT_COUNTRY] = {"passport-country", "Person", false},
    [T_PASSPORT_EXPIRATION] = {"passport-expiration", "Person", false},
    [T_REDRESS_NUMBER] = {"redress-number", "Person", false},
    [T_NATIONALITY] = {"nationality", "Person", false},
    [T_VISA_NUMBER] = {"visa-number", "Person", false},
    [T_ISSUE_DATE_OF_THE_VISA] = {"issue-date-of-the-visa", "Person", false},
    [T_PRIMARY_RESIDENCE] = {"primary-residence", "Person", false},
    [T_COUNTRY_OF_RESIDENCE] = {"country-of-residence", "Person", false},
    [T_SPECIAL_SERVICE_REQUEST] = {"special-service-request", "Person", false},
    [T_FREQUENT_FLYER_NUMBER] = {"frequent-flyer-number", "Person", false},
    [T_TRAVEL_DETAILS] = {"travel-details", "Person", false},
    [T_PAYMENT_DETAILS] = {"payment-details", "Person", false},
    [T_PLACE_PORT_OF_ORIGINAL_EMBARKATION] =
        {"place-port-of-original-embarkation", "Person", false},
    [T_PLACE_PORT_OF_CLEARANCE] = {"place-port-of-clearance", "Person", false},
    [T_PLACE_PORT_OF_ONWARD_FOREIGN_DESTINATION] =
        {"place-port-of-onward-foreign-destination", "Person", false},
    [T_PASSENGER_NAME_RECORD_LOCATOR_NUMBER] =
        {"passenger-name-record-locator-number", "Person", false},
    [T_MOBILE_APPLICATION_ID] = {"mobile-application-id", "Payload delivery", true},
    [T_AZURE_APPLICATION_ID] = {"azure-application-id", "Payload delivery", true},
    [T_CHROME_EXTENSION_ID] = {"chrome-extension-id", "Payload delivery", true},
    [T_EDGE_EXTENSION_ID] = {"edge-extension-id", "Payload delivery", true},
    [T_CORTEX] = {"cortex", "External analysis", false},
    [T_BOOLEAN] = {"boolean", "Other", false},
    [T_UUID] = {"uuid", "Other", false},
    [T_ANONYMISED] = {"anonymised", "Other", false},
    [T_ONION_ADDRESS] = {"onion-address", "Network activity", true},
};

/* describeTypes "sane_defaults" key order. */
static const uint8_t sane_defaults_order[TYPE_COUNT] = {
    T_MD5, T_SHA1, T_SHA256, T_FILENAME, T_PDB, T_FILENAME_MD5, T_FILENAME_SHA1, T_FILENAME_SHA256,
    T_IP_SRC, T_IP_DST, T_HOSTNAME, T_DOMAIN, T_DOMAIN_IP, T_EMAIL, T_EMAIL_SRC, T_EPPN,
    T_EMAIL_DST, T_EMAIL_SUBJECT, T_EMAIL_ATTACHMENT, T_EMAIL_BODY, T_FLOAT, T_GIT_COMMIT_ID,
    T_URL, T_HTTP_METHOD, T_USER_AGENT, T_JA3_FINGERPRINT_MD5, T_JARM_FINGERPRINT, T_FAVICON_MMH3,
    T_HASSH_MD5, T_HASSHSERVER_MD5, T_REGKEY, T_REGKEY_VALUE, T_AS, T_SNORT, T_SURICATA, T_BRO,
    T_ZEEK, T_COMMUNITY_ID, T_DOM_HASH, T_PATTERN_IN_FILE, T_PATTERN_IN_TRAFFIC,
    T_PATTERN_IN_MEMORY, T_FILENAME_PATTERN, T_PGP_PUBLIC_KEY, T_PGP_PRIVATE_KEY,
    T_SSH_FINGERPRINT, T_YARA, T_STIX2_PATTERN, T_SIGMA, T_GENE, T_KUSTO_QUERY, T_MIME_TYPE,
    T_IDENTITY_CARD_NUMBER, T_COOKIE, T_VULNERABILITY, T_CPE, T_WEAKNESS, T_ATTACHMENT,
    T_MALWARE_SAMPLE, T_LINK, T_COMMENT, T_TEXT, T_HEX, T_OTHER, T_NAMED_PIPE, T_MUTEX,
    T_PROCESS_STATE, T_TARGET_USER, T_TARGET_EMAIL, T_TARGET_MACHINE, T_TARGET_ORG,
    T_TARGET_LOCATION, T_TARGET_EXTERNAL, T_BTC, T_DASH, T_XMR, T_IBAN, T_BIC, T_BANK_ACCOUNT_NR,
    T_ABA_RTN, T_BIN, T_CC_NUMBER, T_PRTN, T_PHONE_NUMBER, T_THREAT_ACTOR, T_CAMPAIGN_NAME,
    T_CAMPAIGN_ID, T_MALWARE_TYPE, T_URI, T_AUTHENTIHASH, T_VHASH, T_SSDEEP, T_IMPHASH, T_TELFHASH,
    T_PEHASH, T_IMPFUZZY, T_SHA224, T_SHA384, T_SHA512, T_SHA512_224, T_SHA512_256, T_SHA3_224,
    T_SHA3_256, T_SHA3_384, T_SHA3_512, T_TLSH, T_CDHASH, T_FILENAME_AUTHENTIHASH,
    T_FILENAME_VHASH, T_FILENAME_SSDEEP, T_FILENAME_IMPHASH, T_FILENAME_IMPFUZZY,
    T_FILENAME_PEHASH, T_FILENAME_SHA224, T_FILENAME_SHA384, T_FILENAME_SHA512,
    T_FILENAME_SHA512_224, T_FILENAME_SHA512_256, T_FILENAME_SHA3_224, T_FILENAME_SHA3_256,
    T_FILENAME_SHA3_384, T_FILENAME_SHA3_512, T_FILENAME_TLSH, T_WINDOWS_SCHEDULED_TASK,
    T_WINDOWS_SERVICE_NAME, T_WINDOWS_SERVICE_DISPLAYNAME, T_WHOIS_REGISTRANT_EMAIL,
    T_WHOIS_REGISTRANT_PHONE, T_WHOIS_REGISTRANT_NAME, T_WHOIS_REGISTRANT_ORG, T_WHOIS_REGISTRAR,
    T_WHOIS_CREATION_DATE, T_X509_FINGERPRINT_SHA1, T_X509_FINGERPRINT_MD5,
    T_X509_FINGERPRINT_SHA256, T_DNS_SOA_EMAIL, T_SIZE_IN_BYTES, T_COUNTER, T_INTEGER, T_DATETIME,
    T_PORT, T_IP_DST_PORT, T_IP_SRC_PORT, T_HOSTNAME_PORT, T_MAC_ADDRESS, T_MAC_EUI_64,
    T_EMAIL_DST_DISPLAY_NAME, T_EMAIL_SRC_DISPLAY_NAME, T_EMAIL_HEADER, T_EMAIL_REPLY_TO,
    T_EMAIL_X_MAILER, T_EMAIL_MIME_BOUNDARY, T_EMAIL_THREAD_INDEX, T_EMAIL_MESSAGE_ID,
    T_GITHUB_USERNAME, T_GITHUB_REPOSITORY, T_GITHUB_ORGANISATION, T_JABBER_ID, T_TWITTER_ID,
    T_DKIM, T_DKIM_SIGNATURE, T_FIRST_NAME, T_MIDDLE_NAME, T_LAST_NAME, T_FULL_NAME,
    T_DATE_OF_BIRTH, T_PLACE_OF_BIRTH, T_GENDER, T_PASSPORT_NUMBER, T_PASSPORT_COUNTRY,
    T_PASSPORT_EXPIRATION, T_REDRESS_NUMBER, T_NATIONALITY, T_VISA_NUMBER,
    T_ISSUE_DATE_OF_THE_VISA, T_PRIMARY_RESIDENCE, T_COUNTRY_OF_RESIDENCE,
    T_SPECIAL_SERVICE_REQUEST, T_FREQUENT_FLYER_NUMBER, T_TRAVEL_DETAILS, T_PAYMENT_DETAILS,
    T_PLACE_PORT_OF_ORIGINAL_EMBARKATION, T_PLACE_PORT_OF_CLEARANCE,
    T_PLACE_PORT_OF_ONWARD_FOREIGN_DESTINATION, T_PASSENGER_NAME_RECORD_LOCATOR_NUMBER,
    T_MOBILE_APPLICATION_ID, T_AZURE_APPLICATION_ID, T_CHROME_EXTENSION_ID, T_EDGE_EXTENSION_ID,
    T_CORTEX, T_BOOLEAN, T_UUID, T_ANONYMISED, T_ONION_ADDRESS,
};

/* Type ids sorted by name (byte order), for binary search. */
static const uint8_t types_by_name[TYPE_COUNT] = {
    T_AS, T_ABA_RTN, T_ANONYMISED, T_ATTACHMENT, T_AUTHENTIHASH, T_AZURE_APPLICATION_ID,
    T_BANK_ACCOUNT_NR, T_BIC, T_BIN, T_BOOLEAN, T_BRO, T_BTC, T_CAMPAIGN_ID, T_CAMPAIGN_NAME,
    T_CC_NUMBER, T_CDHASH, T_CHROME_EXTENSION_ID, T_COMMENT, T_COMMUNITY_ID, T_COOKIE, T_CORTEX,
    T_COUNTER, T_COUNTRY_OF_RESIDENCE, T_CPE, T_DASH, T_DATE_OF_BIRTH, T_DATETIME, T_DKIM,
    T_DKIM_SIGNATURE, T_DNS_SOA_EMAIL, T_DOM_HASH, T_DOMAIN, T_DOMAIN_IP, T_EDGE_EXTENSION_ID,
    T_EMAIL, T_EMAIL_ATTACHMENT, T_EMAIL_BODY, T_EMAIL_DST, T_EMAIL_DST_DISPLAY_NAME,
    T_EMAIL_HEADER, T_EMAIL_MESSAGE_ID, T_EMAIL_MIME_BOUNDARY, T_EMAIL_REPLY_TO, T_EMAIL_SRC,
    T_EMAIL_SRC_DISPLAY_NAME, T_EMAIL_SUBJECT, T_EMAIL_THREAD_INDEX, T_EMAIL_X_MAILER, T_EPPN,
    T_FAVICON_MMH3, T_FILENAME, T_FILENAME_PATTERN, T_FILENAME_AUTHENTIHASH, T_FILENAME_IMPFUZZY,
    T_FILENAME_IMPHASH, T_FILENAME_MD5, T_FILENAME_PEHASH, T_FILENAME_SHA1, T_FILENAME_SHA224,
    T_FILENAME_SHA256, T_FILENAME_SHA3_224, T_FILENAME_SHA3_256, T_FILENAME_SHA3_384,
    T_FILENAME_SHA3_512, T_FILENAME_SHA384, T_FILENAME_SHA512, T_FILENAME_SHA512_224,
    T_FILENAME_SHA512_256, T_FILENAME_SSDEEP, T_FILENAME_TLSH, T_FILENAME_VHASH, T_FIRST_NAME,
    T_FLOAT, T_FREQUENT_FLYER_NUMBER, T_FULL_NAME, T_GENDER, T_GENE, T_GIT_COMMIT_ID,
    T_GITHUB_ORGANISATION, T_GITHUB_REPOSITORY, T_GITHUB_USERNAME, T_HASSH_MD5, T_HASSHSERVER_MD5,
    T_HEX, T_HOSTNAME, T_HOSTNAME_PORT, T_HTTP_METHOD, T_IBAN, T_IDENTITY_CARD_NUMBER, T_IMPFUZZY,
    T_IMPHASH, T_INTEGER, T_IP_DST, T_IP_DST_PORT, T_IP_SRC, T_IP_SRC_PORT,
    T_ISSUE_DATE_OF_THE_VISA, T_JA3_FINGERPRINT_MD5, T_JABBER_ID, T_JARM_FINGERPRINT,
    T_KUSTO_QUERY, T_LAST_NAME, T_LINK, T_MAC_ADDRESS, T_MAC_EUI_64, T_MALWARE_SAMPLE,
    T_MALWARE_TYPE, T_MD5, T_MIDDLE_NAME, T_MIME_TYPE, T_MOBILE_APPLICATION_ID, T_MUTEX,
    T_NAMED_PIPE, T_NATIONALITY, T_ONION_ADDRESS, T_OTHER, T_PASSENGER_NAME_RECORD_LOCATOR_NUMBER,
    T_PASSPORT_COUNTRY, T_PASSPORT_EXPIRATION, T_PASSPORT_NUMBER, T_PATTERN_IN_FILE,
    T_PATTERN_IN_MEMORY, T_PATTERN_IN_TRAFFIC, T_PAYMENT_DETAILS, T_PDB, T_PEHASH,
    T_PGP_PRIVATE_KEY, T_PGP_PUBLIC_KEY, T_PHONE_NUMBER, T_PLACE_OF_BIRTH,
    T_PLACE_PORT_OF_CLEARANCE, T_PLACE_PORT_OF_ONWARD_FOREIGN_DESTINATION,
    T_PLACE_PORT_OF_ORIGINAL_EMBARKATION, T_PORT, T_PRIMARY_RESIDENCE, T_PROCESS_STATE, T_PRTN,
    T_REDRESS_NUMBER, T_REGKEY, T_REGKEY_VALUE, T_SHA1, T_SHA224, T_SHA256, T_SHA3_224, T_SHA3_256,
    T_SHA3_384, T_SHA3_512, T_SHA384, T_SHA512, T_SHA512_224, T_SHA512_256, T_SIGMA,
    T_SIZE_IN_BYTES, T_SNORT, T_SPECIAL_SERVICE_REQUEST, T_SSDEEP, T_SSH_FINGERPRINT,
    T_STIX2_PATTERN, T_SURICATA, T_TARGET_EMAIL, T_TARGET_EXTERNAL, T_TARGET_LOCATION,
    T_TARGET_MACHINE, T_TARGET_ORG, T_TARGET_USER, T_TELFHASH, T_TEXT, T_THREAT_ACTOR, T_TLSH,
    T_TRAVEL_DETAILS, T_TWITTER_ID, T_URI, T_URL, T_USER_AGENT, T_UUID, T_VHASH, T_VISA_NUMBER,
    T_VULNERABILITY, T_WEAKNESS, T_WHOIS_CREATION_DATE, T_WHOIS_REGISTRANT_EMAIL,
    T_WHOIS_REGISTRANT_NAME, T_WHOIS_REGISTRANT_ORG, T_WHOIS_REGISTRANT_PHONE, T_WHOIS_REGISTRAR,
    T_WINDOWS_SCHEDULED_TASK, T_WINDOWS_SERVICE_DISPLAYNAME, T_WINDOWS_SERVICE_NAME,
    T_X509_FINGERPRINT_MD5, T_X509_FINGERPRINT_SHA1, T_X509_FINGERPRINT_SHA256, T_XMR, T_YARA,
    T_ZEEK,
};

/* describeTypes "category_type_mappings", each list in the file's order. */
static const uint8_t cat_internal_reference[] = {
    T_TEXT, T_LINK, T_COMMENT, T_OTHER, T_HEX, T_ANONYMISED, T_GIT_COMMIT_ID,
};
static const uint8_t cat_targeting_data[] = {
    T_TARGET_USER, T_TARGET_EMAIL, T_TARGET_MACHINE, T_TARGET_ORG, T_TARGET_LOCATION,
    T_TARGET_EXTERNAL, T_COMMENT, T_ANONYMISED,
};
static const uint8_t cat_antivirus_detection[] = {
    T_LINK, T_COMMENT, T_TEXT, T_HEX, T_ATTACHMENT, T_OTHER, T_ANONYMISED,
};
static const uint8_t cat_payload_delivery[] = {
    T_MD5, T_SHA1, T_SHA224, T_SHA256, T_SHA384, T_SHA512, T_SHA512_224, T_SHA512_256, T_SHA3_224,
    T_SHA3_256, T_SHA3_384, T_SHA3_512, T_SSDEEP, T_IMPHASH, T_TELFHASH, T_IMPFUZZY,
    T_AUTHENTIHASH, T_VHASH, T_PEHASH, T_TLSH, T_CDHASH, T_FILENAME, T_FILENAME_MD5,
    T_FILENAME_SHA1, T_FILENAME_SHA224, T_FILENAME_SHA256, T_FILENAME_SHA384, T_FILENAME_SHA512,
    T_FILENAME_SHA512_224, T_FILENAME_SHA512_256, T_FILENAME_SHA3_224, T_FILENAME_SHA3_256,
    T_FILENAME_SHA3_384, T_FILENAME_SHA3_512, T_FILENAME_AUTHENTIHASH, T_FILENAME_VHASH,
    T_FILENAME_SSDEEP, T_FILENAME_TLSH, T_FILENAME_IMPHASH, T_FILENAME_IMPFUZZY, T_FILENAME_PEHASH,
    T_MAC_ADDRESS, T_MAC_EUI_64, T_IP_SRC, T_IP_DST, T_IP_DST_PORT, T_IP_SRC_PORT, T_HOSTNAME,
    T_DOMAIN, T_EMAIL, T_EMAIL_SRC, T_EMAIL_DST, T_EMAIL_SUBJECT, T_EMAIL_ATTACHMENT, T_EMAIL_BODY,
    T_URL, T_USER_AGENT, T_AS, T_PATTERN_IN_FILE, T_PATTERN_IN_TRAFFIC, T_FILENAME_PATTERN,
    T_STIX2_PATTERN, T_YARA, T_SIGMA, T_MIME_TYPE, T_ATTACHMENT, T_MALWARE_SAMPLE, T_LINK,
    T_MALWARE_TYPE, T_COMMENT, T_TEXT, T_HEX, T_VULNERABILITY, T_CPE, T_WEAKNESS,
    T_X509_FINGERPRINT_SHA1, T_X509_FINGERPRINT_MD5, T_X509_FINGERPRINT_SHA256,
    T_JA3_FINGERPRINT_MD5, T_JARM_FINGERPRINT, T_HASSH_MD5, T_HASSHSERVER_MD5, T_OTHER,
    T_HOSTNAME_PORT, T_EMAIL_DST_DISPLAY_NAME, T_EMAIL_SRC_DISPLAY_NAME, T_EMAIL_HEADER,
    T_EMAIL_REPLY_TO, T_EMAIL_X_MAILER, T_EMAIL_MIME_BOUNDARY, T_EMAIL_THREAD_INDEX,
    T_EMAIL_MESSAGE_ID, T_AZURE_APPLICATION_ID, T_MOBILE_APPLICATION_ID, T_CHROME_EXTENSION_ID,
    T_EDGE_EXTENSION_ID, T_WHOIS_REGISTRANT_EMAIL, T_ANONYMISED, T_ONION_ADDRESS,
};
static const uint8_t cat_artifacts_dropped[] = {
    T_MD5, T_SHA1, T_SHA224, T_SHA256, T_SHA384, T_SHA512, T_SHA512_224, T_SHA512_256, T_SHA3_224,
    T_SHA3_256, T_SHA3_384, T_SHA3_512, T_SSDEEP, T_IMPHASH, T_TELFHASH, T_IMPFUZZY,
    T_AUTHENTIHASH, T_VHASH, T_CDHASH, T_FILENAME, T_FILENAME_MD5, T_FILENAME_SHA1,
    T_FILENAME_SHA224, T_FILENAME_SHA256, T_FILENAME_SHA384, T_FILENAME_SHA512,
    T_FILENAME_SHA512_224, T_FILENAME_SHA512_256, T_FILENAME_SHA3_224, T_FILENAME_SHA3_256,
    T_FILENAME_SHA3_384, T_FILENAME_SHA3_512, T_FILENAME_AUTHENTIHASH, T_FILENAME_VHASH,
    T_FILENAME_SSDEEP, T_FILENAME_TLSH, T_FILENAME_IMPHASH, T_FILENAME_IMPFUZZY, T_FILENAME_PEHASH,
    T_REGKEY, T_REGKEY_VALUE, T_PATTERN_IN_FILE, T_PATTERN_IN_MEMORY, T_FILENAME_PATTERN, T_PDB,
    T_STIX2_PATTERN, T_YARA, T_SIGMA, T_ATTACHMENT, T_MALWARE_SAMPLE, T_NAMED_PIPE, T_MUTEX,
    T_PROCESS_STATE, T_WINDOWS_SCHEDULED_TASK, T_WINDOWS_SERVICE_NAME,
    T_WINDOWS_SERVICE_DISPLAYNAME, T_COMMENT, T_TEXT, T_HEX, T_X509_FINGERPRINT_SHA1,
    T_X509_FINGERPRINT_MD5, T_X509_FINGERPRINT_SHA256, T_OTHER, T_COOKIE, T_GENE, T_KUSTO_QUERY,
    T_MIME_TYPE, T_ANONYMISED, T_PGP_PUBLIC_KEY, T_PGP_PRIVATE_KEY,
};
static const uint8_t cat_payload_installation[] = {
    T_MD5, T_SHA1, T_SHA224, T_SHA256, T_SHA384, T_SHA512, T_SHA512_224, T_SHA512_256, T_SHA3_224,
    T_SHA3_256, T_SHA3_384, T_SHA3_512, T_SSDEEP, T_IMPHASH, T_TELFHASH, T_IMPFUZZY,
    T_AUTHENTIHASH, T_VHASH, T_PEHASH, T_TLSH, T_CDHASH, T_FILENAME, T_FILENAME_MD5,
    T_FILENAME_SHA1, T_FILENAME_SHA224, T_FILENAME_SHA256, T_FILENAME_SHA384, T_FILENAME_SHA512,
    T_FILENAME_SHA512_224, T_FILENAME_SHA512_256, T_FILENAME_SHA3_224, T_FILENAME_SHA3_256,
    T_FILENAME_SHA3_384, T_FILENAME_SHA3_512, T_FILENAME_AUTHENTIHASH, T_FILENAME_VHASH,
    T_FILENAME_SSDEEP, T_FILENAME_TLSH, T_FILENAME_IMPHASH, T_FILENAME_IMPFUZZY, T_FILENAME_PEHASH,
    T_PATTERN_IN_FILE, T_PATTERN_IN_TRAFFIC, T_PATTERN_IN_MEMORY, T_FILENAME_PATTERN,
    T_STIX2_PATTERN, T_YARA, T_SIGMA, T_VULNERABILITY, T_CPE, T_WEAKNESS, T_ATTACHMENT,
    T_MALWARE_SAMPLE, T_MALWARE_TYPE, T_COMMENT, T_TEXT, T_HEX, T_X509_FINGERPRINT_SHA1,
    T_X509_FINGERPRINT_MD5, T_X509_FINGERPRINT_SHA256, T_AZURE_APPLICATION_ID,
    T_MOBILE_APPLICATION_ID, T_CHROME_EXTENSION_ID, T_EDGE_EXTENSION_ID, T_OTHER, T_MIME_TYPE,
    T_ANONYMISED,
};
static const uint8_t cat_persistence_mechanism[] = {
    T_FILENAME, T_REGKEY, T_REGKEY_VALUE, T_COMMENT, T_TEXT, T_OTHER, T_HEX, T_ANONYMISED,
};
static const uint8_t cat_network_activity[] = {
    T_IP_SRC, T_IP_DST, T_IP_DST_PORT, T_IP_SRC_PORT, T_PORT, T_HOSTNAME, T_DOMAIN, T_DOMAIN_IP,
    T_MAC_ADDRESS, T_MAC_EUI_64, T_EMAIL, T_EMAIL_DST, T_EMAIL_SRC, T_EPPN, T_URL, T_URI,
    T_USER_AGENT, T_HTTP_METHOD, T_AS, T_SNORT, T_SURICATA, T_PATTERN_IN_FILE, T_FILENAME_PATTERN,
    T_STIX2_PATTERN, T_PATTERN_IN_TRAFFIC, T_ATTACHMENT, T_COMMENT, T_TEXT, T_X509_FINGERPRINT_MD5,
    T_X509_FINGERPRINT_SHA1, T_X509_FINGERPRINT_SHA256, T_JA3_FINGERPRINT_MD5, T_JARM_FINGERPRINT,
    T_HASSH_MD5, T_HASSHSERVER_MD5, T_OTHER, T_HEX, T_COOKIE, T_HOSTNAME_PORT, T_BRO, T_ZEEK,
    T_ANONYMISED, T_COMMUNITY_ID, T_EMAIL_SUBJECT, T_FAVICON_MMH3, T_DKIM, T_DKIM_SIGNATURE,
    T_SSH_FINGERPRINT, T_DOM_HASH, T_ONION_ADDRESS,
};
static const uint8_t cat_payload_type[] = {
    T_COMMENT, T_TEXT, T_OTHER, T_ANONYMISED,
};
static const uint8_t cat_attribution[] = {
    T_THREAT_ACTOR, T_CAMPAIGN_NAME, T_CAMPAIGN_ID, T_WHOIS_REGISTRANT_PHONE,
    T_WHOIS_REGISTRANT_EMAIL, T_WHOIS_REGISTRANT_NAME, T_WHOIS_REGISTRANT_ORG, T_WHOIS_REGISTRAR,
    T_WHOIS_CREATION_DATE, T_COMMENT, T_TEXT, T_X509_FINGERPRINT_SHA1, T_X509_FINGERPRINT_MD5,
    T_X509_FINGERPRINT_SHA256, T_OTHER, T_DNS_SOA_EMAIL, T_ANONYMISED, T_EMAIL,
};
static const uint8_t cat_external_analysis[] = {
    T_MD5, T_SHA1, T_SHA256, T_SHA3_224, T_SHA3_256, T_SHA3_384, T_SHA3_512, T_FILENAME,
    T_FILENAME_MD5, T_FILENAME_SHA1, T_FILENAME_SHA256, T_FILENAME_SHA3_224, T_FILENAME_SHA3_256,
    T_FILENAME_SHA3_384, T_FILENAME_SHA3_512, T_IP_SRC, T_IP_DST, T_IP_DST_PORT, T_IP_SRC_PORT,
    T_MAC_ADDRESS, T_MAC_EUI_64, T_HOSTNAME, T_DOMAIN, T_DOMAIN_IP, T_URL, T_USER_AGENT, T_REGKEY,
    T_REGKEY_VALUE, T_AS, T_SNORT, T_SURICATA, T_BRO, T_ZEEK, T_PATTERN_IN_FILE,
    T_PATTERN_IN_TRAFFIC, T_PATTERN_IN_MEMORY, T_FILENAME_PATTERN, T_VULNERABILITY, T_CPE,
    T_WEAKNESS, T_ATTACHMENT, T_MALWARE_SAMPLE, T_LINK, T_COMMENT, T_TEXT, T_X509_FINGERPRINT_SHA1,
    T_X509_FINGERPRINT_MD5, T_X509_FINGERPRINT_SHA256, T_JA3_FINGERPRINT_MD5, T_JARM_FINGERPRINT,
    T_HASSH_MD5, T_HASSHSERVER_MD5, T_GITHUB_REPOSITORY, T_OTHER, T_CORTEX, T_ANONYMISED,
    T_COMMUNITY_ID, T_DOM_HASH, T_ONION_ADDRESS,
};
static const uint8_t cat_financial_fraud[] = {
    T_BTC, T_DASH, T_XMR, T_IBAN, T_BIC, T_BANK_ACCOUNT_NR, T_ABA_RTN, T_BIN, T_CC_NUMBER, T_PRTN,
    T_PHONE_NUMBER, T_COMMENT, T_TEXT, T_OTHER, T_HEX, T_ANONYMISED,
};
static const uint8_t cat_support_tool[] = {
    T_LINK, T_TEXT, T_ATTACHMENT, T_COMMENT, T_OTHER, T_HEX, T_ANONYMISED,
};
static const uint8_t cat_social_network[] = {
    T_GITHUB_USERNAME, T_GITHUB_REPOSITORY, T_GITHUB_ORGANISATION, T_JABBER_ID, T_TWITTER_ID,
    T_EMAIL, T_EMAIL_SRC, T_EMAIL_DST, T_EPPN, T_COMMENT, T_TEXT, T_OTHER,
    T_WHOIS_REGISTRANT_EMAIL, T_ANONYMISED, T_PGP_PUBLIC_KEY, T_PGP_PRIVATE_KEY,
};
static const uint8_t cat_person[] = {
    T_FIRST_NAME, T_MIDDLE_NAME, T_LAST_NAME, T_FULL_NAME, T_DATE_OF_BIRTH, T_PLACE_OF_BIRTH,
    T_GENDER, T_PASSPORT_NUMBER, T_PASSPORT_COUNTRY, T_PASSPORT_EXPIRATION, T_REDRESS_NUMBER,
    T_NATIONALITY, T_VISA_NUMBER, T_ISSUE_DATE_OF_THE_VISA, T_PRIMARY_RESIDENCE,
    T_COUNTRY_OF_RESIDENCE, T_SPECIAL_SERVICE_REQUEST, T_FREQUENT_FLYER_NUMBER, T_TRAVEL_DETAILS,
    T_PAYMENT_DETAILS, T_PLACE_PORT_OF_ORIGINAL_EMBARKATION, T_PLACE_PORT_OF_CLEARANCE,
    T_PLACE_PORT_OF_ONWARD_FOREIGN_DESTINATION, T_PASSENGER_NAME_RECORD_LOCATOR_NUMBER, T_COMMENT,
    T_TEXT, T_OTHER, T_PHONE_NUMBER, T_IDENTITY_CARD_NUMBER, T_ANONYMISED, T_EMAIL,
    T_PGP_PUBLIC_KEY, T_PGP_PRIVATE_KEY,
};
static const uint8_t cat_other[] = {
    T_COMMENT, T_TEXT, T_OTHER, T_SIZE_IN_BYTES, T_COUNTER, T_INTEGER, T_DATETIME, T_CPE, T_PORT,
    T_FLOAT, T_HEX, T_PHONE_NUMBER, T_BOOLEAN, T_ANONYMISED, T_PGP_PUBLIC_KEY, T_PGP_PRIVATE_KEY,
    T_UUID,
};

/* describeTypes "categories" order. */
enum category_id {
    CAT_INTERNAL_REFERENCE,
    CAT_TARGETING_DATA,
    CAT_ANTIVIRUS_DETECTION,
    CAT_PAYLOAD_DELIVERY,
    CAT_ARTIFACTS_DROPPED,
    CAT_PAYLOAD_INSTALLATION,
    CAT_PERSISTENCE_MECHANISM,
    CAT_NETWORK_ACTIVITY,
    CAT_PAYLOAD_TYPE,
    CAT_ATTRIBUTION,
    CAT_EXTERNAL_ANALYSIS,
    CAT_FINANCIAL_FRAUD,
    CAT_SUPPORT_TOOL,
    CAT_SOCIAL_NETWORK,
    CAT_PERSON,
    CAT_OTHER,
    CATEGORY_COUNT
};

static const struct category category_table[CATEGORY_COUNT] = {
    [CAT_INTERNAL_REFERENCE] = CATEGORY("Internal reference", cat_internal_reference),
    [CAT_TARGETING_DATA] = CATEGORY("Targeting data", cat_targeting_data),
    [CAT_ANTIVIRUS_DETECTION] = CATEGORY("Antivirus detection", cat_antivirus_detection),
    [CAT_PAYLOAD_DELIVERY] = CATEGORY("Payload delivery", cat_payload_delivery),
    [CAT_ARTIFACTS_DROPPED] = CATEGORY("Artifacts dropped", cat_artifacts_dropped),
    [CAT_PAYLOAD_INSTALLATION] = CATEGORY("Payload installation", cat_payload_installation),
    [CAT_PERSISTENCE_MECHANISM] = CATEGORY("Persistence mechanism", cat_persistence_mechanism),
    [CAT_NETWORK_ACTIVITY] = CATEGORY("Network activity", cat_network_activity),
    [CAT_PAYLOAD_TYPE] = CATEGORY("Payload type", cat_payload_type),
    [CAT_ATTRIBUTION] = CATEGORY("Attribution", cat_attribution),
    [CAT_EXTERNAL_ANALYSIS] = CATEGORY("External analysis", cat_external_analysis),
    [CAT_FINANCIAL_FRAUD] = CATEGORY("Financial fraud", cat_financial_fraud),
    [CAT_SUPPORT_TOOL] = CATEGORY("Support Tool", cat_support_tool),
    [CAT_SOCIAL_NETWORK] = CATEGORY("Social network", cat_social_network),
    [CAT_PERSON] = CATEGORY("Person", cat_person),
    [CAT_OTHER] = CATEGORY("Other", cat_other),
};

/* Category indexes sorted by name (byte order), for binary search. */
static const uint8_t categories_by_name[CATEGORY_COUNT] = {
    CAT_ANTIVIRUS_DETECTION, CAT_ARTIFACTS_DROPPED, CAT_ATTRIBUTION, CAT_EXTERNAL_ANALYSIS,
    CAT_FINANCIAL_FRAUD, CAT_INTERNAL_REFERENCE, CAT_NETWORK_ACTIVITY, CAT_OTHER,
    CAT_PAYLOAD_DELIVERY, CAT_PAYLOAD_INSTALLATION, CAT_PAYLOAD_TYPE, CAT_PERSISTENCE_MECHANISM,
    CAT_PERSON, CAT_SOCIAL_NETWORK, CAT_SUPPORT_TOOL, CAT_TARGETING_DATA,
};

/* clang-format on */

_Static_assert(TYPE_COUNT == 194, "describeTypes has 194 types");
_Static_assert(CATEGORY_COUNT == 16, "describeTypes has 16 categories");
_Static_assert(TYPE_COUNT <= UINT8_MAX, "type ids are stored in uint8_t");

/* ---------------------------------------------------------------------------
 * Table look-ups
 * ------------------------------------------------------------------------- */

/* strcmp order between a view and a C string; a view never equals a name it
 * only prefixes. */
static int name_cmp(struct str a, const char *b)
{
    size_t blen = strlen(b);
    size_t n = a.len < blen ? a.len : blen;
    int c = n ? memcmp(a.ptr, b, n) : 0;
    if (c != 0)
        return c;
    return (a.len > blen) - (a.len < blen);
}

/* Returns the type id named name, or -1. */
static int type_id_find(struct str name)
{
    size_t lo = 0, hi = TYPE_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(name, type_table[types_by_name[mid]].name);
        if (c == 0)
            return types_by_name[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

/* Returns the category id named name, or -1. */
static int category_id_find(struct str name)
{
    size_t lo = 0, hi = CATEGORY_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(name, category_table[categories_by_name[mid]].name);
        if (c == 0)
            return categories_by_name[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

/* Returns the id of t: its index when it points into type_table (the usual
 * case), else the id of the type with its name, or -1. */
static int type_id_of(const struct attr_type *t)
{
    uintptr_t p = (uintptr_t)t, first = (uintptr_t)&type_table[0];
    if (p >= first && p < (uintptr_t)&type_table[TYPE_COUNT])
        return (int)((p - first) / sizeof(type_table[0]));
    if (t == NULL || t->name == NULL)
        return -1;
    return type_id_find(str_from_cstr(t->name));
}

size_t types_count(void)
{
    return TYPE_COUNT;
}

const struct attr_type *types_at(size_t i)
{
    return i < TYPE_COUNT ? &type_table[i] : NULL;
}

size_t types_sane_defaults_count(void)
{
    return NELEM(sane_defaults_order);
}

const struct attr_type *types_sane_defaults_at(size_t i)
{
    return i < NELEM(sane_defaults_order) ? &type_table[sane_defaults_order[i]] : NULL;
}

const struct attr_type *types_find(struct str name)
{
    int id = type_id_find(name);
    return id < 0 ? NULL : &type_table[id];
}

size_t types_category_count(void)
{
    return CATEGORY_COUNT;
}

const char *types_category_at(size_t i)
{
    return i < CATEGORY_COUNT ? category_table[i].name : NULL;
}

const char *types_category_find(struct str name)
{
    int id = category_id_find(name);
    return id < 0 ? NULL : category_table[id].name;
}

size_t types_category_type_count(size_t category_index)
{
    return category_index < CATEGORY_COUNT ? category_table[category_index].ntypes : 0;
}

const char *types_category_type_at(size_t category_index, size_t i)
{
    if (category_index >= CATEGORY_COUNT || i >= category_table[category_index].ntypes)
        return NULL;
    return type_table[category_table[category_index].types[i]].name;
}

bool types_category_allows(const char *category, const char *type)
{
    if (category == NULL || type == NULL)
        return false;
    int c = category_id_find(str_from_cstr(category));
    int t = type_id_find(str_from_cstr(type));
    if (c < 0 || t < 0)
        return false;
    /* At most 99 one-byte ids: a memchr beats any index here. */
    return memchr(category_table[c].types, t, category_table[c].ntypes) != NULL;
}

/* ---------------------------------------------------------------------------
 * Value canonicalisation: helpers
 * ------------------------------------------------------------------------- */

/* Records why the value is refused and evaluates to ERR_INVAL. */
#define INVALID(d, ...) (diag_set((d), ERR_INVAL, "value", __VA_ARGS__), ERR_INVAL)

/* Where results are allocated and errors reported, for one value. */
struct canon {
    struct arena *a;
    struct diag *d;
};

/* ASCII-only character classes: values are bytes, the C locale is irrelevant. */
static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(unsigned char c)
{
    return is_alpha(c) || is_digit(c);
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* PCRE's \s. */
static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_cntrl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

static void lower_ascii(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

static void upper_ascii(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - 'a' + 'A');
}

/* True if s is non-empty and every byte satisfies pred. */
static bool all_of(const char *s, bool (*pred)(unsigned char))
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!pred((unsigned char)*s))
            return false;
    return true;
}

static size_t count_char(const char *s, char ch)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == ch;
    return n;
}

static unsigned char lower_char(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* ASCII case-insensitive prefix test (strncasecmp depends on the locale). */
static bool has_prefix_nocase(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (lower_char((unsigned char)*s) != lower_char((unsigned char)*prefix))
            return false;
    return true;
}

/* Replaces every occurrence of from in s by to, in place; to is never longer. */
static void replace_all(char *s, const char *from, const char *to)
{
    size_t flen = strlen(from), tlen = strlen(to);
    assert(flen > 0 && tlen <= flen);
    /* Every pattern starts with '[' or '(' or a letter; jump between candidates. */
    char first = from[0];
    bool alpha = (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z');
    char *r = alpha ? s : strchr(s, (unsigned char)first);
    if (r == NULL)
        return;
    char *w = r;
    while (*r) {
        if ((alpha || *r == first) && strncasecmp(r, from, flen) == 0) {
            memcpy(w, to, tlen);
            w += tlen;
            r += flen;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

/* Keeps only the bytes of s that satisfy keep, in place. */
static void keep_only(char *s, bool (*keep)(unsigned char))
{
    char *w = s;
    for (const char *r = s; *r; r++)
        if (keep((unsigned char)*r))
            *w++ = *r;
    *w = '\0';
}

/* PHP's is_numeric() on a trimmed string: [+-] digits [. digits] [e [+-] digits]. */
static bool is_numeric(const char *s)
{
    size_t i = 0, digits = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    for (; is_digit((unsigned char)s[i]); i++)
        digits++;
    if (s[i] == '.')
        for (i++; is_digit((unsigned char)s[i]); i++)
            digits++;
    if (digits == 0)
        return false;
    if (s[i] == 'e' || s[i] == 'E') {
        i++;
        if (s[i] == '+' || s[i] == '-')
            i++;
        if (!is_digit((unsigned char)s[i]))
            return false;
        while (is_digit((unsigned char)s[i]))
            i++;
    }
    return s[i] == '\0';
}

/*
 * MISP ComplexTypeTool::refangValue, which Attribute::beforeValidateMassage
 * applies to every value before modifyBeforeValidation: "hxxp://evil[.]com".
 */
static void refang(int id, char *v)
{
    bool web = id == T_URL || id == T_LINK;
    bool email = id == T_EMAIL || id == T_EMAIL_SRC || id == T_EMAIL_DST;
    bool dots = web || email || id == T_IP_SRC || id == T_IP_DST || id == T_DOMAIN_IP ||
                id == T_DOMAIN || id == T_HOSTNAME;

    if (web) {
        static const char *const http_like[] = {"hxxp", "hxtp", "htxp", "meow", "h[tt]p"};
        for (size_t i = 0; i < NELEM(http_like); i++) {
            size_t n = strlen(http_like[i]);
            if (has_prefix_nocase(v, http_like[i])) {
                memmove(v + 4, v + n, strlen(v + n) + 1);
                memcpy(v, "http", 4);
                break;
            }
        }
    }
    if (dots) {
        replace_all(v, "[.]", ".");
        replace_all(v, "[dot]", ".");
        replace_all(v, "(dot)", ".");
    }
    if (web)
        replace_all(v, "[hxxp://]", "http://");
    if (email) {
        replace_all(v, "[@]", "@");
        replace_all(v, "[at]", "@");
    }
    if (web)
        replace_all(v, "[:]", ":");
}

/* Splits a composite value at its one '|' (MISP Attribute::validComposite
 * wants exactly one): v keeps the first part, *second points to the other. */
static int split_composite(struct canon *c, const char *tname, char *v, char **second)
{
    char *bar = strchr(v, '|');
    if (bar == NULL || strchr(bar + 1, '|') != NULL)
        return INVALID(c->d, "not a valid %s: expected two parts separated by one '|'", tname);
    *bar = '\0';
    *second = bar + 1;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Hashes
 * ------------------------------------------------------------------------- */

/* Hex digest length of a fixed-length hash type, or 0
 * (MISP AttributeValidationTool::HASH_HEX_LENGTH). */
static size_t hex_digest_len(int id)
{
    switch (id) {
    case T_MD5:
    case T_IMPHASH:
    case T_JA3_FINGERPRINT_MD5:
    case T_HASSH_MD5:
    case T_HASSHSERVER_MD5:
    case T_X509_FINGERPRINT_MD5:
    case T_DOM_HASH:
        return 32;
    case T_SHA1:
    case T_GIT_COMMIT_ID:
    case T_X509_FINGERPRINT_SHA1:
    case T_PEHASH:
        return 40;
    case T_SHA224:
    case T_SHA512_224:
    case T_SHA3_224:
        return 56;
    case T_JARM_FINGERPRINT:
        return 62;
    case T_SHA256:
    case T_AUTHENTIHASH:
    case T_X509_FINGERPRINT_SHA256:
    case T_SHA512_256:
    case T_SHA3_256:
        return 64;
    case T_SHA384:
    case T_SHA3_384:
        return 96;
    case T_SHA512:
    case T_SHA3_512:
        return 128;
    default:
        return 0;
    }
}

static int canon_hex_digest(struct canon *c, int id, char *v, char **out)
{
    size_t want = hex_digest_len(id);
    /* x509 fingerprints are often written 3a:f5:...; MISP drops the colons. */
    if (id == T_X509_FINGERPRINT_MD5 || id == T_X509_FINGERPRINT_SHA1 ||
        id == T_X509_FINGERPRINT_SHA256)
        replace_all(v, ":", "");
    if (!observable_hex_digest(v, strlen(v), want))
        return INVALID(c->d, "not a valid %s: expected %zu hexadecimal characters",
                       type_table[id].name, want);
    *out = v;
    return 0;
}

/* ssdeep: blocksize:hash:hash, hashes in base64 letters (case matters). */
static bool is_ssdeep_char(unsigned char ch)
{
    return is_alnum(ch) || ch == '/' || ch == '+';
}

static int canon_ssdeep(struct canon *c, char *v, char **out)
{
    const char *p = v;
    if (!is_digit((unsigned char)*p))
        goto bad;
    while (is_digit((unsigned char)*p))
        p++;
    for (int part = 0; part < 2; part++) {
        if (*p++ != ':')
            goto bad;
        while (is_ssdeep_char((unsigned char)*p))
            p++;
    }
    if (*p != '\0')
        goto bad;
    *out = v;
    return 0;
bad:
    return INVALID(c->d, "not a valid ssdeep hash: expected blocksize:hash:hash");
}

/* TLSH: MISP lower-cases, allows one leading 't' ("T1" version prefix) and
 * then wants more than 35 hex digits: 70 for a standard digest, 71 after "T1". */
static int canon_tlsh(struct canon *c, char *v, char **out)
{
    lower_ascii(v);
    const char *h = v[0] == 't' ? v + 1 : v;
    if (strlen(h) <= 35 || !all_of(h, is_hex))
        return INVALID(c->d, "not a valid tlsh: expected at least 36 hexadecimal characters "
                             "(usually 70, or 72 with the T1 prefix)");
    *out = v;
    return 0;
}

/* impfuzzy: imports:hash:hash, imports a number. */
static int canon_impfuzzy(struct canon *c, char *v, char **out)
{
    const char *colon = strchr(v, ':');
    bool ok = count_char(v, ':') == 2 && colon != v;
    for (const char *p = v; ok && p < colon; p++)
        ok = is_digit((unsigned char)*p);
    if (!ok)
        return INVALID(c->d, "not a valid impfuzzy hash: expected imports:hash:hash");
    *out = v;
    return 0;
}

/* SHA256:<base64 of 32 bytes>, or an MD5 fingerprint with or without MD5: and colons. */
static bool is_base64_char(unsigned char ch)
{
    return is_alnum(ch) || ch == '+' || ch == '/';
}

static int canon_ssh_fingerprint(struct canon *c, char *v, char **out)
{
    bool ok;
    if (strncmp(v, "SHA256:", 7) == 0) {
        const char *b = v + 7;
        size_t n = strlen(b);
        if (n == 44 && b[43] == '=')
            n = 43;
        ok = n == 43;
        for (size_t i = 0; ok && i < n; i++)
            ok = is_base64_char((unsigned char)b[i]);
    } else {
        const char *h = strncmp(v, "MD5:", 4) == 0 ? v + 4 : v;
        size_t digits = 0;
        ok = true;
        for (; ok && *h; h++) {
            if (*h == ':')
                continue;
            ok = is_hex((unsigned char)*h);
            digits++;
        }
        ok = ok && digits == 32;
    }
    if (!ok)
        return INVALID(c->d, "not a valid ssh-fingerprint: expected SHA256:<base64> or an MD5 "
                             "fingerprint (32 hexadecimal characters, colons allowed)");
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------------------
 * IP addresses (parsed and written by codec/observable.c)
 * ------------------------------------------------------------------------- */

/* Records why an address (or network) was refused; returns ERR_INVAL. */
static int ip_invalid(struct canon *c, enum observable_err e, unsigned family)
{
    switch (e) {
    case OBSERVABLE_IPV6:
        return INVALID(c->d, "not a valid IPv6 address");
    case OBSERVABLE_IPV4_LEADING_ZERO:
        return INVALID(c->d, "not a valid IPv4 address: numbers must not have leading zeros");
    case OBSERVABLE_PREFIX: {
        unsigned max = family == 4 ? 32 : 128;
        return INVALID(c->d, "not a valid CIDR prefix: expected /0 to /%u after an IPv%u address",
                       max, family);
    }
    default:
        return INVALID(c->d,
                       "not a valid IP address: expected IPv4 (192.0.2.1) or IPv6 (2001:db8::1)");
    }
}

/*
 * Canonicalises the address (no prefix) in s[0..n) into buf: IPv4 is already
 * canonical once parsed strictly; IPv6 gets RFC 5952 text (lower case, longest
 * zero run compressed) - what PHP's inet_ntop gives in MISP's
 * AttributeValidationTool::normalizeIp.  Returns the family (4 or 6), or 0
 * after recording why in c->d.
 */
static unsigned ip_canon(struct canon *c, const char *s, size_t n,
                         char buf[OBSERVABLE_IP_TEXT_MAX + 1])
{
    struct observable_ip ip;
    enum observable_err e = observable_addr_parse(s, n, &ip);
    if (e != OBSERVABLE_OK)
        return (void)ip_invalid(c, e, 0), 0;
    observable_ip_format(&ip, false, buf);
    return ip.family;
}

/*
 * An address with an optional /prefix (ip-src, ip-dst).  Host bits may be set
 * ("10.1.2.3/8" stays as given), as in MISP; a /32 or /128 prefix is a single
 * host and is dropped (normalizeIp).  Where only single hosts are allowed
 * (composites), any other prefix is refused, as MISP's filter_var refuses it.
 */
static int canon_ip(struct canon *c, char *v, bool allow_cidr, char **out)
{
    char text[OBSERVABLE_IP_TEXT_MAX + 1];
    struct observable_ip ip;
    enum observable_err e = observable_ip_parse(v, strlen(v), OBSERVABLE_PREFIX_DIGITS, &ip);
    if (e != OBSERVABLE_OK)
        return ip_invalid(c, e, ip.family);
    if (!allow_cidr && ip.prefix < (ip.family == 4 ? 32u : 128u))
        return INVALID(c->d, "a CIDR range is not allowed here: expected a single address");
    observable_ip_format(&ip, false, text);
    *out = arena_strdup(c->a, text);
    return 0;
}

static void set_split(const char *v, const char *ip_end, const char *port, struct str *ip,
                      struct str *port_out)
{
    ip->ptr = v;
    ip->len = (size_t)(ip_end - v);
    *port_out = str_from_cstr(port);
}

/*
 * Splits "ip|port" in the notations MISP's modifyBeforeValidation accepts:
 * IPv4 "a.b.c.d:port" or "a.b.c.d|port"; IPv6 "addr|port", "[addr]:port",
 * "addr.port", "addr port N", "addrpN", "addr#N" and, ambiguous but MISP's
 * choice, "addr:port" split at the last colon.  MISP splits "addr.port" at the
 * first dot, which cuts "::ffff:192.0.2.1|80"-like values in two; we split at
 * the last dot only when digits alone follow it.
 */
static bool ip_port_split(const char *v, struct str *ip, struct str *port)
{
    const char *p;
    if (count_char(v, ':') >= 2) {
        if ((p = strchr(v, '|')) != NULL) {
            set_split(v, p, p + 1, ip, port);
        } else if (v[0] == '[' && (p = strchr(v, ']')) != NULL) {
            if (p[1] != ':')
                return false;
            set_split(v + 1, p, p + 2, ip, port);
        } else if ((p = strrchr(v, '.')) != NULL && all_of(p + 1, is_digit)) {
            set_split(v, p, p + 1, ip, port);
        } else if ((p = strstr(v, " port ")) != NULL) {
            set_split(v, p, p + 6, ip, port);
        } else if ((p = strchr(v, 'p')) != NULL || (p = strchr(v, '#')) != NULL) {
            set_split(v, p, p + 1, ip, port);
        } else {
            p = strrchr(v, ':');
            set_split(v, p, p + 1, ip, port);
        }
        return true;
    }
    if ((p = strchr(v, ':')) != NULL || (p = strchr(v, '|')) != NULL) {
        set_split(v, p, p + 1, ip, port);
        return true;
    }
    return false;
}

/* Port numbers: MISP's isPortValid, 1 to 65535, written without leading zeros. */
static int port_parse(struct canon *c, struct str s, unsigned *port)
{
    uint64_t v = 0;
    *port = 0;
    if (parse_u64_all(s, 1, 65535, &v) < 0)
        return INVALID(c->d, "not a valid port: expected a number from 1 to 65535");
    *port = (unsigned)v;
    return 0;
}

static int canon_ip_port(struct canon *c, const char *tname, char *v, char **out)
{
    struct str ip, port_text;
    if (!ip_port_split(v, &ip, &port_text))
        return INVALID(c->d,
                       "not a valid %s: expected an address and a port, such as "
                       "192.0.2.1|443 or [2001:db8::1]:443",
                       tname);
    char *addr;
    unsigned port;
    int rc = canon_ip(c, arena_strndup(c->a, ip.ptr, ip.len), false, &addr);
    if (rc < 0)
        return rc;
    if ((rc = port_parse(c, port_text, &port)) < 0)
        return rc;
    *out = arena_printf(c->a, "%s|%u", addr, port);
    return 0;
}

/* ---------------------------------------------------------------------------
 * Domain names (checked and converted by codec/observable.c)
 * ------------------------------------------------------------------------- */

/* Records why a domain name was refused; returns ERR_INVAL. */
static int dns_invalid(struct canon *c, const char *tname, enum observable_err e, uint32_t cp)
{
    switch (e) {
    case OBSERVABLE_DNS_EMPTY:
        return INVALID(c->d, "not a valid %s: no name between the dots", tname);
    case OBSERVABLE_DNS_NOT_UTF8:
        return INVALID(c->d, "not a valid %s: not valid UTF-8", tname);
    case OBSERVABLE_DNS_CODE_POINT:
        return INVALID(c->d,
                       "not a valid %s: U+%04X cannot be used in a domain name "
                       "(give the name in its xn-- form if it is right)",
                       tname, (unsigned)cp);
    case OBSERVABLE_DNS_TOO_LONG:
        return INVALID(c->d, "not a valid %s: longer than 253 characters", tname);
    case OBSERVABLE_DNS_EMPTY_LABEL:
        return INVALID(c->d, "not a valid %s: empty label (two dots in a row)", tname);
    case OBSERVABLE_DNS_BAD_CHAR:
        return INVALID(c->d, "not a valid %s: only letters, digits, '-', '_' and '.' are allowed",
                       tname);
    case OBSERVABLE_DNS_LABEL_TOO_LONG:
        return INVALID(c->d, "not a valid %s: a label is longer than 63 characters", tname);
    case OBSERVABLE_DNS_ONE_LABEL:
        return INVALID(c->d, "not a valid %s: expected at least two labels, as in example.com",
                       tname);
    default:
        return INVALID(c->d,
                       "not a valid %s: the last label must have two or more letters, digits "
                       "or '-'",
                       tname);
    }
}

/*
 * domain, hostname (MISP modifyBeforeValidation 'domain'): lower case,
 * surrounding dots removed ("example.com." is the same name), internationalised
 * labels converted to xn-- form (observable_domain).  MISP leaves hostnames'
 * dots alone and then refuses a trailing one; we treat both types alike.  MISP
 * checks only ^[A-Z0-9.\-_]+\.[A-Z0-9\-]{2,}$ and so takes "a..example" and
 * 300-character names; those are not names DNS can carry, so we refuse them.
 */
static int canon_domain(struct canon *c, const char *tname, char *v, char **out)
{
    size_t n = strlen(v), len;
    uint32_t cp = 0;
    char *name = arena_alloc(c->a, (n > OBSERVABLE_DNS_NAME_MAX ? n : OBSERVABLE_DNS_NAME_MAX) + 1);
    enum observable_err e = observable_domain(v, n, name, &len, &cp);
    if (e != OBSERVABLE_OK)
        return dns_invalid(c, tname, e, cp);
    *out = name;
    return 0;
}

/* ---------------------------------------------------------------------------
 * URLs and e-mail addresses
 * ------------------------------------------------------------------------- */

enum url_kind {
    URL_URL,  /* url: absolute, or host[:port][/path] without a scheme */
    URL_URI,  /* uri: as url, or any relative reference ("/admin/login.php") */
    URL_LINK, /* link: absolute with a scheme (MISP uses FILTER_VALIDATE_URL) */
};

/*
 * Length of the scheme that starts s ("https" in "https://x"), 0 if none.
 * RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":".  A dotted name
 * followed by a port number ("example.com:8080/x") is a host, not a scheme.
 */
static size_t url_scheme_len(const char *s)
{
    if (!is_alpha((unsigned char)s[0]))
        return 0;
    size_t i = 1;
    bool dotted = false;
    for (; is_alnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'; i++)
        dotted = dotted || s[i] == '.';
    if (s[i] != ':')
        return 0;
    if (dotted) {
        size_t j = i + 1;
        while (is_digit((unsigned char)s[j]))
            j++;
        if (j > i + 1 && (s[j] == '\0' || s[j] == '/' || s[j] == '?' || s[j] == '#'))
            return 0;
    }
    return i;
}

/* A host written without a scheme must look like one: a dotted name or IPv4
 * address (letters, digits, '-', '_', non-ASCII), with no empty label. */
static bool url_bare_host_ok(const char *h, size_t n)
{
    bool dot = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)h[i];
        if (ch == '.') {
            if (i == 0 || h[i - 1] == '.')
                return false;
            dot = true;
        } else if (!is_alnum(ch) && ch != '-' && ch != '_' && ch < 0x80) {
            return false;
        }
    }
    return dot;
}

/*
 * Checks the authority "[userinfo@]host[:port]" at s, which ends at the first
 * '/', '?' or '#', and lower-cases its host in place.  bare: written without
 * a scheme, so no userinfo and the host must look like a host name.
 */
static int url_authority(struct canon *c, const char *tname, char *s, bool host_required, bool bare)
{
    size_t end = strcspn(s, "/?#");
    size_t host = 0;
    for (size_t i = 0; i < end; i++)
        if (s[i] == '@')
            host = i + 1;
    if (bare && host > 0)
        return INVALID(c->d, "not a valid %s: expected scheme://host/path or host/path", tname);
    size_t i = host;
    if (s[i] == '[') {
        const char *rb = memchr(s + i, ']', end - i);
        char addr[OBSERVABLE_IP_TEXT_MAX + 1];
        if (rb == NULL)
            return INVALID(c->d, "not a valid %s: '[' without ']' around an IPv6 address", tname);
        if (ip_canon(c, s + i + 1, (size_t)(rb - s) - i - 1, addr) != 6)
            return ERR_INVAL;
        i = (size_t)(rb - s) + 1;
    } else {
        while (i < end && s[i] != ':')
            i++;
        if (bare && !url_bare_host_ok(s + host, i - host))
            return INVALID(c->d, "not a valid %s: expected scheme://host/path or host/path", tname);
    }
    size_t host_end = i;
    if (i < end) {
        uint64_t port;
        struct str digits = {s + i + 1, end - i - 1};
        if (s[i] != ':' || (digits.len > 0 && parse_u64_all(digits, 0, 65535, &port) < 0))
            return INVALID(c->d, "not a valid %s: the port must be a number from 0 to 65535",
                           tname);
    }
    if (host_required && host_end == host)
        return INVALID(c->d, "not a valid %s: no host after //", tname);
    if (memchr(s + host, ' ', host_end - host) != NULL)
        return INVALID(c->d, "not a valid %s: the host must not contain spaces", tname);
    observable_url_host_lower(s, strlen(s));
    return 0;
}

/*
 * url, uri, link.  MISP stores url and uri as given once refanged (it only
 * refuses line breaks) and checks link with PHP's FILTER_VALIDATE_URL.  We
 * require a url to be recognisably one - "scheme:..." or "host/path" - and
 * lower-case the scheme and host, which are case-insensitive (RFC 3986 6.2.2.1),
 * so that the same URL correlates however it was typed; the path, query and
 * fragment are case-sensitive and kept.
 */
static int canon_url(struct canon *c, const char *tname, enum url_kind kind, char *v, char **out)
{
    for (const char *p = v; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (is_cntrl(ch))
            return INVALID(
                c->d, "not a valid %s: line breaks and control characters are not allowed", tname);
        if (kind == URL_LINK && (ch == ' ' || ch >= 0x80))
            return INVALID(c->d, "not a valid link: spaces and non-ASCII characters must be "
                                 "percent-encoded");
    }
    size_t slen = url_scheme_len(v);
    if (slen > 0) {
        char *rest = v + slen + 1;
        for (size_t i = 0; i < slen; i++)
            if (v[i] >= 'A' && v[i] <= 'Z')
                v[i] = (char)(v[i] - 'A' + 'a');
        bool web = (slen == 4 && memcmp(v, "http", 4) == 0) ||
                   (slen == 5 && memcmp(v, "https", 5) == 0) ||
                   (slen == 3 && memcmp(v, "ftp", 3) == 0);
        if (rest[0] == '/' && rest[1] == '/') {
            bool file = slen == 4 && memcmp(v, "file", 4) == 0;
            int rc = url_authority(c, tname, rest + 2, !file, false);
            if (rc < 0)
                return rc;
        } else if (web && kind == URL_LINK) {
            return INVALID(c->d, "not a valid link: expected // and a host after the scheme");
        } else if (*rest == '\0') {
            return INVALID(c->d, "not a valid %s: nothing after the scheme", tname);
        }
        *out = v;
        return 0;
    }
    if (kind == URL_LINK)
        return INVALID(c->d, "not a valid link: expected an absolute URL with a scheme, such as "
                             "https://example.com/");
    if (kind == URL_URI) {
        *out = v; /* a relative reference */
        return 0;
    }
    char *host = v[0] == '/' && v[1] == '/' ? v + 2 : v;
    int rc = url_authority(c, tname, host, true, true);
    if (rc < 0)
        return rc;
    *out = v;
    return 0;
}

/*
 * email, email-src, email-dst, target-email, whois-registrant-email.  MISP
 * lower-cases the whole address (local part included: mailbox names are
 * case-insensitive in practice, and MISP correlates on the lower-cased form)
 * and checks ^.[^\s]*@.*\..*$, which also takes "a@@b.com"; we want one '@'
 * and a domain after it.
 */
static int canon_email(struct canon *c, const char *tname, char *v, char **out)
{
    lower_ascii(v);
    char *at = strrchr(v, '@');
    if (at == NULL || at == v)
        return INVALID(c->d, "not a valid %s: expected local-part@domain", tname);
    for (const char *p = v; p < at; p++)
        if (is_space((unsigned char)*p) || is_cntrl((unsigned char)*p) || *p == '@')
            return INVALID(c->d, "not a valid %s: the part before @ must not contain spaces or @",
                           tname);
    if (!observable_email_domain(at + 1, strlen(at + 1)))
        return INVALID(c->d,
                       "not a valid %s: the part after @ must be a domain such as "
                       "example.com",
                       tname);
    *out = v;
    return 0;
}

/* MISP's own check for the other address-like types (eppn, dns-soa-email,
 * jabber-id): ^.[^\s]*@.*\..*$ - some character, then non-space characters up
 * to an '@' that has a '.' somewhere after it; no line break anywhere. */
static int canon_email_like(struct canon *c, const char *tname, char *v, char **out)
{
    const char *last_dot = strrchr(v, '.');
    if (strchr(v, '\n') == NULL && last_dot != NULL) {
        for (const char *p = v + 1; *p && p < last_dot && !is_space((unsigned char)*p); p++) {
            if (*p == '@') {
                *out = v;
                return 0;
            }
        }
    }
    return INVALID(c->d, "not a valid %s: expected name@domain", tname);
}

/* ---------------------------------------------------------------------------
 * Other rules
 * ------------------------------------------------------------------------- */

/* MISP's rule for most free-text types: anything on a single line. */
static int canon_line(struct canon *c, const char *tname, char *v, char **out)
{
    if (strchr(v, '\n') != NULL)
        return INVALID(c->d, "not a valid %s: line breaks are not allowed", tname);
    *out = v;
    return 0;
}

/* AS (modifyBeforeValidation 'AS'): an optional "AS" prefix is dropped and
 * asdot "1.10" becomes 1 * 65536 + 10; MISP stores the bare number. */
static int canon_as(struct canon *c, char *v, char **out)
{
    char *s = has_prefix_nocase(v, "AS") ? v + 2 : v;
    char *dot = strchr(s, '.');
    uint64_t asn, high, low;
    bool ok;
    if (dot != NULL)
        ok = parse_u64_all((struct str){s, (size_t)(dot - s)}, 0, 65535, &high) == 0 &&
             parse_u64_all(str_from_cstr(dot + 1), 0, 65535, &low) == 0;
    else
        ok = parse_u64_all(str_from_cstr(s), 0, UINT32_MAX, &asn) == 0;
    if (!ok)
        return INVALID(c->d, "not a valid AS number: expected a number from 0 to 4294967295, "
                             "optionally written AS64496 or in asdot form 1.10");
    if (dot != NULL)
        asn = high * 65536 + low;
    *out = arena_printf(c->a, "%" PRIu64, asn);
    return 0;
}

static bool is_not_mac_separator(unsigned char ch)
{
    return ch != '.' && ch != ':' && ch != '-' && ch != ' ';
}

/* mac-address, mac-eui-64: separators '.', ':', '-' and ' ' dropped, then
 * lower-case hex pairs joined with ':' (MISP: wordwrap($v, 2, ':', true)). */
static int canon_mac(struct canon *c, const char *tname, size_t octets, char *v, char **out)
{
    keep_only(v, is_not_mac_separator);
    lower_ascii(v);
    if (strlen(v) != octets * 2 || !all_of(v, is_hex))
        return INVALID(c->d,
                       "not a valid %s: expected %zu pairs of hexadecimal digits, such as "
                       "00:1a:2b:3c:4d:5e",
                       tname, octets);
    char *m = arena_alloc(c->a, octets * 3);
    for (size_t i = 0; i < octets; i++) {
        m[i * 3] = v[i * 2];
        m[i * 3 + 1] = v[i * 2 + 1];
        m[i * 3 + 2] = i + 1 < octets ? ':' : '\0';
    }
    *out = m;
    return 0;
}

/* The methods MISP's http-method check knows (its regex is unanchored, so
 * "GETX" passes there; we want the method itself). */
static const char *const http_methods[] = {
    "OPTIONS",         "GET",        "HEAD",     "POST",     "PUT",
    "DELETE",          "TRACE",      "CONNECT",  "PROPFIND", "PROPPATCH",
    "MKCOL",           "COPY",       "MOVE",     "LOCK",     "UNLOCK",
    "VERSION-CONTROL", "REPORT",     "CHECKOUT", "CHECKIN",  "UNCHECKOUT",
    "MKWORKSPACE",     "UPDATE",     "LABEL",    "MERGE",    "BASELINE-CONTROL",
    "MKACTIVITY",      "ORDERPATCH", "ACL",      "PATCH",    "SEARCH",
};

static int canon_http_method(struct canon *c, char *v, char **out)
{
    upper_ascii(v);
    for (size_t i = 0; i < NELEM(http_methods); i++) {
        if (strcmp(v, http_methods[i]) == 0) {
            *out = v;
            return 0;
        }
    }
    return INVALID(c->d, "not a valid http-method: expected a method such as GET, POST or PUT");
}

static bool is_base58_char(unsigned char ch)
{
    return ch != '\0' &&
           strchr("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", ch) != NULL;
}

static bool is_bech32_char(unsigned char ch)
{
    ch = lower_char(ch);
    return ch != '\0' && strchr("qpzry9x8gf2tvdw0s3jn54khce6mua7l", ch) != NULL;
}

/*
 * btc: a legacy or P2SH address (26 to 35 base58 characters) or a segwit
 * address (bech32: "bc1" or testnet "tb1" and 11 to 71 more characters, one
 * case only; written lower case).  MISP only asks for letters and digits; we
 * use the shape ComplexTypeTool looks for.  Checksums are not verified: they
 * would refuse addresses quoted with a typo that analysts still want to match.
 */
static int canon_btc(struct canon *c, char *v, char **out)
{
    size_t n = strlen(v);
    if (n >= 14 && n <= 74 && (has_prefix_nocase(v, "bc1") || has_prefix_nocase(v, "tb1"))) {
        bool lower = false, upper = false;
        for (const char *p = v; *p; p++) {
            lower = lower || (*p >= 'a' && *p <= 'z');
            upper = upper || (*p >= 'A' && *p <= 'Z');
        }
        if (!upper || !lower) {
            if (all_of(v + 3, is_bech32_char)) {
                lower_ascii(v);
                *out = v;
                return 0;
            }
        }
    }
    if (n >= 26 && n <= 35 && all_of(v, is_base58_char)) {
        *out = v;
        return 0;
    }
    return INVALID(c->d, "not a valid btc address: expected 26 to 35 base58 characters or a "
                         "bech32 address starting with bc1");
}

/* vulnerability, weakness: an en dash (U+2013, pasted from advisories) becomes
 * '-', then upper case; CVE-YYYY-NNNN (four or more digits) or CWE-N. */
static int canon_cve_cwe(struct canon *c, bool cve, char *v, char **out)
{
    replace_all(v, "\xe2\x80\x93", "-");
    upper_ascii(v);
    bool ok;
    if (cve) {
        ok =
            strncmp(v, "CVE-", 4) == 0 && strlen(v) >= 13 && v[8] == '-' && all_of(v + 9, is_digit);
        for (int i = 4; ok && i < 8; i++)
            ok = is_digit((unsigned char)v[i]);
    } else {
        ok = strncmp(v, "CWE-", 4) == 0 && all_of(v + 4, is_digit);
    }
    if (!ok)
        return INVALID(c->d, cve ? "not a valid vulnerability: expected CVE-YYYY-NNNN"
                                 : "not a valid weakness: expected CWE-N");
    *out = v;
    return 0;
}

/* A filename as the first part of a composite, or attachment's file name. */
static int canon_filename(struct canon *c, char *v)
{
    if (*v == '\0')
        return INVALID(c->d, "not a valid filename: the file name is empty");
    if (strchr(v, '\n') != NULL)
        return INVALID(c->d, "not a valid filename: line breaks are not allowed");
    return 0;
}

/* The hash type of a "filename|hash" composite type, or -1. */
static int filename_hash_type(int id)
{
    switch (id) {
    case T_FILENAME_MD5:
    case T_MALWARE_SAMPLE: /* MISP stores a sample as "filename|md5" */
        return T_MD5;
    case T_FILENAME_SHA1:
        return T_SHA1;
    case T_FILENAME_SHA256:
        return T_SHA256;
    case T_FILENAME_AUTHENTIHASH:
        return T_AUTHENTIHASH;
    case T_FILENAME_VHASH:
        return T_VHASH;
    case T_FILENAME_SSDEEP:
        return T_SSDEEP;
    case T_FILENAME_IMPHASH:
        return T_IMPHASH;
    case T_FILENAME_IMPFUZZY:
        return T_IMPFUZZY;
    case T_FILENAME_PEHASH:
        return T_PEHASH;
    case T_FILENAME_SHA224:
        return T_SHA224;
    case T_FILENAME_SHA384:
        return T_SHA384;
    case T_FILENAME_SHA512:
        return T_SHA512;
    case T_FILENAME_SHA512_224:
        return T_SHA512_224;
    case T_FILENAME_SHA512_256:
        return T_SHA512_256;
    case T_FILENAME_SHA3_224:
        return T_SHA3_224;
    case T_FILENAME_SHA3_256:
        return T_SHA3_256;
    case T_FILENAME_SHA3_384:
        return T_SHA3_384;
    case T_FILENAME_SHA3_512:
        return T_SHA3_512;
    case T_FILENAME_TLSH:
        return T_TLSH;
    default:
        return -1;
    }
}

static bool is_upper_alnum(unsigned char ch)
{
    return is_digit(ch) || (ch >= 'A' && ch <= 'Z');
}

static bool is_phone_char(unsigned char ch)
{
    return is_digit(ch) || ch == '+';
}

static bool is_digit_char(unsigned char ch)
{
    return is_digit(ch);
}

/* True if the mantissa of a number accepted by is_numeric() is zero. */
static bool numeric_is_zero(const char *s)
{
    for (; *s && *s != 'e' && *s != 'E'; s++)
        if (*s >= '1' && *s <= '9')
            return false;
    return true;
}

/* MISP's number-like types: financial identifiers and phone numbers are
 * stripped of formatting, then must be numbers (modifyBeforeValidation). */
static int canon_numberish(struct canon *c, int id, char *v, char **out)
{
    const char *tname = type_table[id].name;
    switch (id) {
    case T_IBAN:
    case T_BIC:
        upper_ascii(v);
        keep_only(v, is_upper_alnum);
        if (*v == '\0')
            return INVALID(c->d, "not a valid %s: expected letters and digits", tname);
        break;
    case T_CC_NUMBER:
    case T_BIN:
        keep_only(v, is_digit_char);
        if (*v == '\0')
            return INVALID(c->d, "not a valid %s: expected digits", tname);
        break;
    case T_PHONE_NUMBER:
    case T_PRTN:
    case T_WHOIS_REGISTRANT_PHONE:
        /* MISP turns a leading "00" into "+" before stripping the formatting;
         * we do it after, so that the result is stable if canonicalised again. */
        replace_all(v, "(0)", "");
        keep_only(v, is_phone_char);
        if (v[0] == '0' && v[1] == '0') {
            v++;
            v[0] = '+';
        }
        if (!all_of(v[0] == '+' ? v + 1 : v, is_digit))
            return INVALID(c->d, "not a valid %s: expected an optional + and digits", tname);
        break;
    case T_FLOAT:
        if (!is_numeric(v))
            return INVALID(c->d, "not a valid float: expected a decimal number");
        /* MISP's beforeValidate stores any zero as "0.0". */
        if (numeric_is_zero(v)) {
            *out = arena_strdup(c->a, "0.0");
            return 0;
        }
        break;
    default: /* bank-account-nr, aba-rtn */
        if (!is_numeric(v))
            return INVALID(c->d, "not a valid %s: expected a number", tname);
        break;
    }
    *out = v;
    return 0;
}

/* MISP: a boolean is stored as "1" or "0"; "true"/"false" are understood and
 * anything else is PHP-truthy ("0" is false). */
static int canon_boolean(struct canon *c, char *v, char **out)
{
    lower_ascii(v);
    *out = arena_strdup(c->a, strcmp(v, "false") == 0 || strcmp(v, "0") == 0 ? "0" : "1");
    return 0;
}

/* ---------------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------------- */

/*
 * Canonicalises v (trimmed, refanged, NUL-free, NUL-terminated, in c->a and
 * ours to modify) for type id.  The rules and their order follow MISP
 * AttributeValidationTool: modifyBeforeValidation's rewriting, then validate().
 */
static int canon_value(struct canon *c, int id, char *v, char **out)
{
    const char *tname = type_table[id].name;
    char *second, *first_out, *second_out;
    int rc, sub;
    unsigned port;

    if (hex_digest_len(id) > 0)
        return canon_hex_digest(c, id, v, out);

    if ((sub = filename_hash_type(id)) >= 0) {
        if ((rc = split_composite(c, tname, v, &second)) < 0 || (rc = canon_filename(c, v)) < 0)
            return rc;
        if ((rc = canon_value(c, sub, second, &second_out)) < 0)
            return rc;
        *out = arena_printf(c->a, "%s|%s", v, second_out);
        return 0;
    }

    switch (id) {
    case T_IP_SRC:
    case T_IP_DST:
        return canon_ip(c, v, true, out);
    case T_IP_SRC_PORT:
    case T_IP_DST_PORT:
        return canon_ip_port(c, tname, v, out);
    case T_DOMAIN:
    case T_HOSTNAME:
        return canon_domain(c, tname, v, out);
    case T_DOMAIN_IP:
        if ((rc = split_composite(c, tname, v, &second)) < 0 ||
            (rc = canon_domain(c, "domain", v, &first_out)) < 0 ||
            (rc = canon_ip(c, second, false, &second_out)) < 0)
            return rc;
        *out = arena_printf(c->a, "%s|%s", first_out, second_out);
        return 0;
    case T_HOSTNAME_PORT:
        /* MISP: lower case, then every ':' becomes '|' ("example.com:443"). */
        for (char *p = v; *p; p++)
            if (*p == ':')
                *p = '|';
        if ((rc = split_composite(c, tname, v, &second)) < 0 ||
            (rc = canon_domain(c, "hostname", v, &first_out)) < 0 ||
            (rc = port_parse(c, str_from_cstr(second), &port)) < 0)
            return rc;
        *out = arena_printf(c->a, "%s|%u", first_out, port);
        return 0;
    case T_URL:
        return canon_url(c, tname, URL_URL, v, out);
    case T_URI:
        return canon_url(c, tname, URL_URI, v, out);
    case T_LINK:
        return canon_url(c, tname, URL_LINK, v, out);
    case T_EMAIL:
    case T_EMAIL_SRC:
    case T_EMAIL_DST:
    case T_TARGET_EMAIL:
    case T_WHOIS_REGISTRANT_EMAIL:
        return canon_email(c, tname, v, out);
    case T_EPPN:
    case T_DNS_SOA_EMAIL:
    case T_JABBER_ID:
        return canon_email_like(c, tname, v, out);
    case T_SSDEEP:
        return canon_ssdeep(c, v, out);
    case T_TLSH:
        return canon_tlsh(c, v, out);
    case T_IMPFUZZY:
        return canon_impfuzzy(c, v, out);
    case T_VHASH:
        lower_ascii(v);
        return canon_line(c, tname, v, out);
    case T_CDHASH:
        lower_ascii(v);
        if (strlen(v) < 40 || !all_of(v, is_hex))
            return INVALID(c->d, "not a valid cdhash: expected 40 or more hexadecimal characters");
        *out = v;
        return 0;
    case T_TELFHASH:
        lower_ascii(v);
        if (strlen(v) != 70 && strlen(v) != 72)
            return INVALID(c->d, "not a valid telfhash: expected 70 or 72 characters");
        *out = v;
        return 0;
    case T_SSH_FINGERPRINT:
        return canon_ssh_fingerprint(c, v, out);
    case T_AS:
        return canon_as(c, v, out);
    case T_MAC_ADDRESS:
        return canon_mac(c, tname, 6, v, out);
    case T_MAC_EUI_64:
        return canon_mac(c, tname, 8, v, out);
    case T_HTTP_METHOD:
        return canon_http_method(c, v, out);
    case T_PORT:
        if ((rc = port_parse(c, str_from_cstr(v), &port)) < 0)
            return rc;
        *out = arena_printf(c->a, "%u", port);
        return 0;
    case T_BTC:
        return canon_btc(c, v, out);
    case T_DASH:
    case T_XMR:
        if (!all_of(v, is_alnum))
            return INVALID(c->d, "not a valid %s address: expected letters and digits", tname);
        *out = v;
        return 0;
    case T_VULNERABILITY:
        return canon_cve_cwe(c, true, v, out);
    case T_WEAKNESS:
        return canon_cve_cwe(c, false, v, out);
    case T_ATTACHMENT:
        if ((rc = canon_filename(c, v)) < 0)
            return rc;
        *out = v;
        return 0;
    case T_IBAN:
    case T_BIC:
    case T_CC_NUMBER:
    case T_BIN:
    case T_PHONE_NUMBER:
    case T_PRTN:
    case T_WHOIS_REGISTRANT_PHONE:
    case T_FLOAT:
    case T_BANK_ACCOUNT_NR:
    case T_ABA_RTN:
        return canon_numberish(c, id, v, out);
    case T_HEX:
        upper_ascii(v);
        if (!all_of(v, is_hex))
            return INVALID(c->d, "not a valid hex: expected hexadecimal digits");
        *out = v;
        return 0;
    case T_SIZE_IN_BYTES:
    case T_COUNTER:
        if (!all_of(v, is_digit))
            return INVALID(c->d, "not a valid %s: expected a whole number of 0 or more", tname);
        *out = v;
        return 0;
    case T_INTEGER:
        if (!all_of(v[0] == '-' ? v + 1 : v, is_digit))
            return INVALID(c->d, "not a valid integer: expected a whole number");
        *out = v;
        return 0;
    case T_BOOLEAN:
        return canon_boolean(c, v, out);
    case T_ANONYMISED:
        lower_ascii(v);
        *out = v;
        return 0;
    case T_WINDOWS_SERVICE_NAME:
    case T_WINDOWS_SERVICE_DISPLAYNAME:
        if (strlen(v) > 256 || strpbrk(v, "/\\") != NULL)
            return INVALID(c->d, "not a valid %s: at most 256 characters and no '/' or '\\'",
                           tname);
        *out = v;
        return 0;
    case T_REGKEY_VALUE:
        if (count_char(v, '|') != 1)
            return INVALID(c->d, "not a valid regkey|value: expected the key and the value "
                                 "separated by one '|'");
        if (v[0] == '|')
            return INVALID(c->d, "not a valid regkey|value: the key is empty");
        return canon_line(c, tname, v, out);
    /* MISP's single-line types. */
    case T_TARGET_USER:
    case T_CAMPAIGN_NAME:
    case T_CAMPAIGN_ID:
    case T_THREAT_ACTOR:
    case T_TARGET_MACHINE:
    case T_TARGET_ORG:
    case T_TARGET_LOCATION:
    case T_TARGET_EXTERNAL:
    case T_EMAIL_SUBJECT:
    case T_MALWARE_TYPE:
    case T_USER_AGENT:
    case T_REGKEY:
    case T_FILENAME:
    case T_PDB:
    case T_WINDOWS_SCHEDULED_TASK:
    case T_WHOIS_REGISTRANT_NAME:
    case T_WHOIS_REGISTRANT_ORG:
    case T_WHOIS_REGISTRAR:
    case T_WHOIS_CREATION_DATE:
    case T_DATE_OF_BIRTH:
    case T_PLACE_OF_BIRTH:
    case T_GENDER:
    case T_PASSPORT_NUMBER:
    case T_PASSPORT_COUNTRY:
    case T_PASSPORT_EXPIRATION:
    case T_REDRESS_NUMBER:
    case T_NATIONALITY:
    case T_VISA_NUMBER:
    case T_ISSUE_DATE_OF_THE_VISA:
    case T_PRIMARY_RESIDENCE:
    case T_COUNTRY_OF_RESIDENCE:
    case T_SPECIAL_SERVICE_REQUEST:
    case T_FREQUENT_FLYER_NUMBER:
    case T_TRAVEL_DETAILS:
    case T_PAYMENT_DETAILS:
    case T_PLACE_PORT_OF_ORIGINAL_EMBARKATION:
    case T_PLACE_PORT_OF_CLEARANCE:
    case T_PLACE_PORT_OF_ONWARD_FOREIGN_DESTINATION:
    case T_PASSENGER_NAME_RECORD_LOCATOR_NUMBER:
    case T_EMAIL_DST_DISPLAY_NAME:
    case T_EMAIL_SRC_DISPLAY_NAME:
    case T_EMAIL_REPLY_TO:
    case T_EMAIL_X_MAILER:
    case T_EMAIL_MIME_BOUNDARY:
    case T_EMAIL_THREAD_INDEX:
    case T_EMAIL_MESSAGE_ID:
    case T_GITHUB_USERNAME:
    case T_GITHUB_REPOSITORY:
    case T_GITHUB_ORGANISATION:
    case T_TWITTER_ID:
    case T_DKIM:
    case T_DKIM_SIGNATURE:
    case T_FAVICON_MMH3:
    case T_CHROME_EXTENSION_ID:
    case T_MOBILE_APPLICATION_ID:
    case T_AZURE_APPLICATION_ID:
    case T_NAMED_PIPE:
        return canon_line(c, tname, v, out);
    default:
        /* Free text (comment, text, other, yara, snort, sigma, mutex, ...). */
        *out = v;
        return 0;
    }
}

/* PHP's trim() set, which MISP applies to every value. */
static bool is_trim_char(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v';
}

int types_canonicalise(const struct attr_type *t, struct str value, struct arena *a, char **out,
                       struct diag *d)
{
    assert(a != NULL && out != NULL);
    *out = NULL;
    int id = type_id_of(t);
    if (id < 0)
        return diag_set(d, ERR_INVAL, "type", "unknown attribute type");
    if (value.len > LIMIT_VALUE_LEN)
        return INVALID(d, "value is longer than %u bytes", LIMIT_VALUE_LEN);
    if (value.len > 0 && memchr(value.ptr, '\0', value.len) != NULL)
        return INVALID(d, "value contains a NUL byte");

    struct str s = value;
    while (s.len > 0 && is_trim_char((unsigned char)s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && is_trim_char((unsigned char)s.ptr[s.len - 1]))
        s.len--;
    if (s.len == 0)
        return INVALID(d, "value is empty");
    bool all_cntrl = true;
    for (size_t i = 0; all_cntrl && i < s.len; i++)
        all_cntrl = is_cntrl((unsigned char)s.ptr[i]);
    if (all_cntrl) /* MISP Attribute::stringNotControlCharacters */
        return INVALID(d, "value consists of control characters only");

    char *v = arena_strndup(a, s.ptr, s.len);
    /* To a fixed point, case-insensitively: "[[.]]" and "(dOt)" must not come out
     * differently when the stored value is canonicalised again (found by fuzz_types). */
    for (size_t before = strlen(v) + 1; strlen(v) < before;) {
        before = strlen(v);
        refang(id, v);
    }
    struct canon c = {a, d};
    char *res = NULL;
    int rc = canon_value(&c, id, v, &res);
    if (rc < 0)
        return rc;
    *out = res;
    return 0;
}

bool types_correlates(const char *type, const char *category)
{
    /* MISP's Attribute::NON_CORRELATING_TYPES and getRelatedAttributes's exclusions */
    static const char *const none[] = {"comment",   "other",   "text",        "hex",
                                       "anonymised", "counter", "float",       "port",
                                       "boolean",    "gender",  "nationality", "http-method",
                                       "aba-rtn",    "cortex"};
    if (type == NULL)
        return false;
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
        if (strcmp(type, none[i]) == 0)
            return false;
    return category == NULL || strcmp(category, "Antivirus detection") != 0;
}
