// SPDX-License-Identifier: Apache-2.0
#include "detect/sha256.h"

#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#include <sys/auxv.h>
#endif

/* FIPS 180-4, 4.2.2: the first 32 bits of the fractional parts of the
 * cube roots of the first 64 primes */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

/* 6.2.2: one 512-bit block into the hash value */
static void compress_portable(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];

	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 |
		       p[4 * t + 3];
	for (int t = 16; t < 64; t++) {
		uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ w[t - 15] >> 3;
		uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ w[t - 2] >> 10;

		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	for (int t = 0; t < 64; t++) {
		uint32_t t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));

		k = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += k;
}

/*
 * The same with the CPU's SHA-256 instructions, where it has them: x86's
 * SHA extensions (AMD Zen, Intel since Ice Lake and Goldmont), arm64's
 * SHA2. A fingerprint is four blocks, and a retro-scan of text dense with
 * findings makes one per finding: ~5x fewer cycles than compress_portable.
 * Both take the message four words at a time, m[] holding the last 16:
 * W[t..t+3] = sigma1-part(sigma0-part(W[t-16..]) + W[t-7..t-4]), then two
 * rounds at a time with the round constants added.
 */
#if defined(__x86_64__)
__attribute__((target("sha,sse4.1,ssse3"))) static void compress_cpu(uint32_t h[8], const uint8_t *p)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	/* the instructions hold the state as ABEF and CDGH, A in the top lane */
	__m128i cdab = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1);
	__m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B);
	__m128i abef = _mm_alignr_epi8(cdab, efgh, 8), cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
	__m128i abef0 = abef, cdgh0 = cdgh, m[4], feba, dchg;

	for (int j = 0; j < 4; j++)
		m[j] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * j)), bswap);
	for (int i = 0; i < 16; i++) {
		__m128i wk;

		if (i >= 4)
			m[i & 3] = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(m[i & 3], m[(i + 1) & 3]),
								       _mm_alignr_epi8(m[(i + 3) & 3], m[(i + 2) & 3], 4)),
							m[(i + 3) & 3]);
		wk = _mm_add_epi32(m[i & 3], _mm_loadu_si128((const __m128i *)&K[4 * i]));
		/* two rounds: the new ABEF, and the old one is the new CDGH */
		cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
		abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
	}
	feba = _mm_shuffle_epi32(_mm_add_epi32(abef, abef0), 0x1B);
	dchg = _mm_shuffle_epi32(_mm_add_epi32(cdgh, cdgh0), 0xB1);
	_mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xF0));
	_mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}

static bool cpu_has_sha256(void)
{
	unsigned a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) && (c & bit_SSSE3) &&
	       __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}
#elif defined(__aarch64__)
__attribute__((target("+crypto"))) static void compress_cpu(uint32_t h[8], const uint8_t *p)
{
	uint32x4_t abcd = vld1q_u32(&h[0]), efgh = vld1q_u32(&h[4]), abcd0 = abcd, efgh0 = efgh, m[4];

	for (int j = 0; j < 4; j++)
		m[j] = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(p + 16 * j)));
	for (int i = 0; i < 16; i++) {
		uint32x4_t wk, before = abcd;

		if (i >= 4)
			m[i & 3] = vsha256su1q_u32(vsha256su0q_u32(m[i & 3], m[(i + 1) & 3]), m[(i + 2) & 3],
						   m[(i + 3) & 3]);
		wk = vaddq_u32(m[i & 3], vld1q_u32(&K[4 * i]));
		abcd = vsha256hq_u32(abcd, efgh, wk);
		efgh = vsha256h2q_u32(efgh, before, wk);
	}
	vst1q_u32(&h[0], vaddq_u32(abcd, abcd0));
	vst1q_u32(&h[4], vaddq_u32(efgh, efgh0));
}

static bool cpu_has_sha256(void)
{
	return getauxval(AT_HWCAP) & HWCAP_SHA2;
}
#endif

typedef void compress_fn(uint32_t h[8], const uint8_t *p);

/* atomic: sha256__accelerated may run while other threads hash */
static compress_fn *_Atomic compress_impl = compress_portable;

static inline void compress(uint32_t h[8], const uint8_t *p)
{
	atomic_load_explicit(&compress_impl, memory_order_relaxed)(h, p);
}

bool sha256__accelerated(bool allow)
{
	compress_fn *f = compress_portable;

#if defined(__x86_64__) || defined(__aarch64__)
	if (allow && cpu_has_sha256())
		f = compress_cpu;
#else
	(void)allow;
#endif
	atomic_store_explicit(&compress_impl, f, memory_order_relaxed);
	return f != compress_portable;
}

__attribute__((constructor)) static void pick_compress(void)
{
	sha256__accelerated(true);
}

void sha256__init(struct sha256 *c)
{
	/* 5.3.3: the fractional parts of the square roots of the first 8 primes */
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(c->h, h0, sizeof(h0));
	c->total = 0;
	c->fill = 0;
}

void sha256__update(struct sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	c->total += len;
	if (c->fill) {
		size_t take = sizeof(c->block) - c->fill;

		if (take > len)
			take = len;
		memcpy(c->block + c->fill, p, take);
		c->fill += take;
		p += take;
		len -= take;
		if (c->fill < sizeof(c->block))
			return;
		compress(c->h, c->block);
		c->fill = 0;
	}
	for (; len >= sizeof(c->block); p += sizeof(c->block), len -= sizeof(c->block))
		compress(c->h, p);
	memcpy(c->block, p, len);
	c->fill = len;
}

void sha256__final(struct sha256 *c, uint8_t out[LW_SHA256_LEN])
{
	uint64_t bits = c->total * 8;

	/* 5.1.1: a 1 bit, zeros, then the length in bits, big-endian, to end a block */
	c->block[c->fill++] = 0x80;
	if (c->fill > 56) {
		memset(c->block + c->fill, 0, sizeof(c->block) - c->fill);
		compress(c->h, c->block);
		c->fill = 0;
	}
	memset(c->block + c->fill, 0, 56 - c->fill);
	for (int i = 0; i < 8; i++)
		c->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	compress(c->h, c->block);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
	explicit_bzero(c, sizeof(*c)); /* its block held the message */
}

/* The state after one key block: the key XORed with pad, zero-padded. */
static void keyed_state(const uint8_t *key, size_t len, uint8_t pad, uint32_t out[8])
{
	uint8_t block[64];
	struct sha256 c;

	memset(block, pad, sizeof(block));
	for (size_t i = 0; i < len; i++)
		block[i] ^= key[i];
	sha256__init(&c);
	compress(c.h, block);
	memcpy(out, c.h, sizeof(c.h));
	explicit_bzero(block, sizeof(block));
	explicit_bzero(&c, sizeof(c));
}

void hmac_sha256__key(struct hmac_sha256 *m, const void *key, size_t len)
{
	uint8_t digest[LW_SHA256_LEN];
	struct sha256 c;

	if (len > 64) { /* a key longer than a block is its digest (RFC 2104) */
		sha256__init(&c);
		sha256__update(&c, key, len);
		sha256__final(&c, digest);
		key = digest;
		len = sizeof(digest);
	}
	keyed_state(key, len, 0x36, m->inner);
	keyed_state(key, len, 0x5c, m->outer);
	explicit_bzero(digest, sizeof(digest));
}

/* c hashes on from a keyed state, one block already behind it */
static void resume(struct sha256 *c, const uint32_t state[8])
{
	*c = (struct sha256){ .total = 64 };
	memcpy(c->h, state, sizeof(c->h));
}

void hmac_sha256__mac(const struct hmac_sha256 *m, const void *msg, size_t len, uint8_t out[LW_SHA256_LEN])
{
	uint8_t inner[LW_SHA256_LEN];
	struct sha256 c;

	resume(&c, m->inner);
	sha256__update(&c, msg, len);
	sha256__final(&c, inner);
	resume(&c, m->outer);
	sha256__update(&c, inner, sizeof(inner));
	sha256__final(&c, out);
	explicit_bzero(inner, sizeof(inner));
}
