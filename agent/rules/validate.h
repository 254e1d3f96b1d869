/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Structural checks that turn a regex candidate into a finding: checksums
 * embedded in tokens, JWT headers, PEM bodies, alphabets, entropy floors,
 * and the documented examples and placeholders that must stay quiet. Pure
 * functions over bytes; nothing here allocates or logs.
 */
#ifndef LW_VALIDATE_H
#define LW_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Base62 in the order GitHub and npm use: 0-9, A-Z, a-z. */
#define LW_BASE62 "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* The 6-character base62 form of a CRC32, left-padded with '0'. */
void validate__crc_base62(uint32_t crc, char out[6]);
/*
 * GitHub (ghp_, gho_, ghu_, ghs_, ghr_) and npm (npm_) tokens: after the
 * prefix, 30 random characters and 6 of base62 CRC32 over those 30.
 * prefix_len is where the random part starts.
 */
bool validate__crc_token(const char *tok, size_t n, size_t prefix_len);

/* Shannon entropy in bits per byte. */
double validate__entropy(const char *s, size_t n);

/* Character classes present: bit 0 lower, 1 upper, 2 digit, 3 other. */
unsigned validate__classes(const char *s, size_t n);
int validate__class_count(const char *s, size_t n);

/* AKIA... ids: 4-letter prefix then 16 characters of A-Z2-7. */
bool validate__aws_key_id(const char *s, size_t n);

/*
 * Decodes base64 (std or url alphabet, padding optional). Returns the
 * decoded length, or -1 on a bad character or when out is too small.
 */
long validate__b64_decode(const char *in, size_t n, uint8_t *out, size_t outcap);

/* header.payload.signature whose header decodes to a JSON object with an "alg" other than none. */
bool validate__jwt(const char *s, size_t n);

/* "Basic <b64>": decodes to printable "user:password" with a real password. */
bool validate__basic_auth(const char *b64, size_t n);

/*
 * The bytes after a "-----BEGIN ... PRIVATE KEY-----" line: optional
 * headers then base64 lines (newlines real or JSON-escaped). True when the
 * body looks like key material, or when the buffer ends before any body.
 */
bool validate__pem_body(const char *s, size_t n);

/*
 * The line break at s: real (\n, \r\n), JSON-escaped, or escaped twice
 * (JSON inside a JSON string). Its length in bytes, or 0.
 */
size_t validate__line_break(const char *s, size_t n);
/* Documented example keys (AWS, Stripe, GitHub, jwt.io, Azurite ...). */
bool validate__is_example(const char *s, size_t n);

/* Hex digits only (either case), at least one. */
bool validate__hex(const char *s, size_t n);
/* The base64 b64 decodes to text that starts with prefix. */
bool validate__b64_starts(const char *b64, size_t n, const char *prefix);
/* Printable text in UTF-8, tabs and line breaks allowed. */
bool validate__text(const uint8_t *b, size_t n);
/*
 * Bech32 (BIP 173): human-readable part, '1', data and a 6-character
 * checksum over both, in one case. age secret keys use it.
 */
bool validate__bech32(const char *s, size_t n);

#endif
