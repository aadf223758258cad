/*
 * extract.h - observables (IPs, networks, domains, URLs, e-mail addresses,
 * hashes) pulled out of log lines and free text, for `liaison lookup`.
 *
 * Two entry points:
 *   obs_classify()  one line is one value ("plain" look-up mode): says what it is
 *                   and writes its cleaned form;
 *   obs_extract()   arbitrary bytes (syslog, web server logs, Suricata eve JSON,
 *                   e-mail, CSV, binary garbage): reports every observable found.
 *
 * Pure functions: no I/O, no allocation, no mutable state (the scanner keeps
 * about 50 KiB of buffers on the stack).  Linear in the input; safe on any bytes.
 *
 * Cleaned form, as the index expects its queries (see core/index.h):
 *   - refanged: "hxxp"/"hxxps" schemes (any case) become http/https, and
 *     "[.]" "(.)" "{.}" "[dot]" "(dot)" "{dot}" -> "."
 *     "[@]" "(@)" "{@}" "[at]" "(at)" "{at}"    -> "@"
 *     "[:]" -> ":"   "[://]" -> "://"   "\/" -> "/" (JSON-escaped slash)
 *     (letters in these match in any case), until none is left: "[[.]]"
 *     gives "." (so cleaned text is a fixpoint).  Nothing else: "evil dot
 *     com" or "evil . com" are not refanged.
 *   - domains, hashes and e-mail addresses (local part included, as MISP does)
 *     in lower case; URLs with their scheme and host in lower case, path,
 *     query and fragment as written; IP addresses as written (IPv6 lower-cased,
 *     not compressed: the index canonicalises).
 *
 * Recognised shapes (both entry points share the checks):
 *   OBS_IPV4    dotted quad, each octet 0-255 without leading zeros ("01.2.3.4"
 *               is not one); in text it must stand alone: "1.2.3.4.5" and
 *               "v1.2.3.4" hold none, "1.2.3.4:22" and "1.2.3.4-1.2.3.9" do.
 *   OBS_IPV6    a run of hex digits, ':' and '.' with at least two ':' that
 *               inet_pton() accepts ("fe80::1%eth0" yields "fe80::1"); in text
 *               it must hold a hex digit ("::" alone is not reported).
 *   OBS_CIDR    either of the above followed by "/len", len 0-32 or 0-128
 *               without leading zeros; in text an address whose "/len" is out
 *               of range or followed by a letter is reported alone.
 *   OBS_DOMAIN  at least two dot-separated labels of ASCII letters, digits,
 *               '-' and '_' (1-63 bytes each, 253 in all), the last one 2-63
 *               letters.  There is no list of top-level domains, so file names
 *               such as "report.pdf" or "index.php" ARE reported as domains (a
 *               false candidate only costs an index miss).  Internationalised
 *               names count only in their "xn--" form; in text, a name glued to
 *               a non-ASCII letter ("bücher.de") is skipped rather than cut.
 *   OBS_URL     http, https, ftp, hxxp or hxxps (any case) then "://" and a
 *               host; in text it runs to whitespace, a quote, '<', '>', '`' or
 *               a ',' (so that an unquoted CSV field ends it; a URL holding a
 *               literal comma is cut there), less trailing ". , : ; ! ?" and
 *               unbalanced ')' ']' '}'.
 *   OBS_EMAIL   local@domain: local part of letters, digits, '.', '_', '+',
 *               '-' (at most 64, not starting with '.'), domain as above.
 *   OBS_MD5 ... OBS_SHA512  a whole hex word of exactly 32, 40, 56, 64, 96 or
 *               128 digits; in text "whole" means bounded by anything but an
 *               ASCII letter or digit (so "<sha256>.exe" and "md5_<hex>" give
 *               the hash; a dotted name with a label of hash length reports
 *               the hashes in it, not the name).
 *   OBS_OTHER   (obs_classify only) any other printable single token.
 */
#ifndef LIAISON_EXTRACT_H
#define LIAISON_EXTRACT_H

#include <stddef.h>

/* Longest cleaned value either function produces, in bytes (without the NUL). */
#define OBS_VALUE_MAX 4096

enum obs_kind {
    OBS_INVALID = 0,
    OBS_IPV4,
    OBS_IPV6,
    OBS_CIDR,
    OBS_DOMAIN,
    OBS_URL,
    OBS_EMAIL,
    OBS_MD5,
    OBS_SHA1,
    OBS_SHA224,
    OBS_SHA256,
    OBS_SHA384,
    OBS_SHA512,
    OBS_OTHER,
};

/* Returns a static name: "ip", "ipv6", "cidr", "domain", "url", "email", "md5",
 * "sha1", "sha224", "sha256", "sha384", "sha512", "other"; "invalid" for
 * OBS_INVALID and for any value outside the enum. */
const char *obs_kind_name(enum obs_kind k);

/*
 * Classifies one line (borrowed, len bytes, without its newline; need not be
 * NUL-terminated) for plain look-up mode.  Leading and trailing ASCII
 * whitespace (a trailing '\r' included) is trimmed, the rest refanged and
 * checked as one token.
 *
 * Returns OBS_INVALID for an empty line (callers skip those themselves), a
 * token longer than OBS_VALUE_MAX bytes after trimming, one with inner ASCII
 * whitespace, control bytes (0x00-0x1f, 0x7f) or invalid UTF-8; otherwise the
 * kind, OBS_OTHER for a printable token of no recognised kind.
 *
 * The cleaned value (for OBS_OTHER: the trimmed token as written, not
 * refanged) is written to out (borrowed, cap bytes) NUL-terminated, and its
 * length to *out_len.  cap >= OBS_VALUE_MAX + 1 always suffices; if the value
 * does not fit, the result is OBS_INVALID.  On OBS_INVALID *out_len is 0 and
 * out is "" (when cap > 0).  out_len may be NULL.
 */
enum obs_kind obs_classify(const char *line, size_t len, char *out, size_t cap, size_t *out_len);

struct observable {
    enum obs_kind kind; /* never OBS_INVALID or OBS_OTHER */
    const char *text;   /* cleaned value, NUL-terminated; borrowed, valid during the callback only */
    size_t len;         /* strlen(text), at most OBS_VALUE_MAX */
    size_t offset;      /* where it starts in the input */
    size_t raw_len;     /* bytes it spans in the input (differs from len when refanged) */
};

/*
 * Scans len bytes at text (borrowed; need not be NUL-terminated) and calls fn
 * for every observable found, in order of appearance, each cleaned as
 * described above.  Spans never overlap: an IP or domain inside a URL is
 * reported as the URL only, a domain inside an e-mail address as the address
 * only.  fn returns non-zero to stop the scan.  Returns the number of calls
 * made to fn.
 *
 * Text is split into words at ASCII whitespace and controls, '"', '\'', '<',
 * '>', '`', '\' (except "\/"; "\n", "\r" and "\t" as JSON escapes are
 * separators as a whole), invalid UTF-8 and Unicode spaces and quotation marks
 * (NBSP, U+2000-U+200B, U+2018-U+201F, U+2026, U+3000-U+3002, U+FEFF, ...).
 * A word longer than 8 KiB (after refanging) is scanned in pieces cut at a
 * ',' or other punctuation where possible; an observable across such a cut
 * may be missed or cut.  URLs longer than OBS_VALUE_MAX are skipped, as are
 * their contents.
 */
size_t obs_extract(const char *text, size_t len,
                   int (*fn)(void *ctx, const struct observable *o), void *ctx);

#endif
