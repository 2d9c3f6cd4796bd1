/* SHA-256 (FIPS 180-4), HMAC (RFC 2104) and the join proofs. Small and self-contained so that the guest
 * library needs no arm64 crypto package. */
#include "wire_auth.h"

#include <string.h>
#include <sys/random.h>

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

static uint32_t ror(uint32_t x, int n) { return x >> n | x << (32 - n); }

static void compress(uint32_t st[8], const uint8_t blk[64])
{
    uint32_t w[64], v[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)blk[4 * i] << 24 | (uint32_t)blk[4 * i + 1] << 16 | (uint32_t)blk[4 * i + 2] << 8 | blk[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, st, sizeof(v));
    for (int i = 0; i < 64; i++) {
        uint32_t S1 = ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25);
        uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
        uint32_t t1 = v[7] + S1 + ch + K[i] + w[i];
        uint32_t S0 = ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22);
        uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
        uint32_t t2 = S0 + maj;
        memmove(v + 1, v, 7 * sizeof(uint32_t));
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        st[i] += v[i];
}

void wire_sha256_init(struct wire_sha256 *s)
{
    static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memcpy(s->state, iv, sizeof(iv));
    s->bytes = 0;
    s->fill = 0;
}

void wire_sha256_update(struct wire_sha256 *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    s->bytes += len;
    while (len) {
        size_t n = 64 - s->fill < len ? 64 - s->fill : len;
        memcpy(s->block + s->fill, p, n);
        s->fill += n;
        p += n;
        len -= n;
        if (s->fill == 64) {
            compress(s->state, s->block);
            s->fill = 0;
        }
    }
}

void wire_sha256_final(struct wire_sha256 *s, uint8_t out[32])
{
    uint64_t bits = s->bytes * 8;
    uint8_t pad = 0x80, zero = 0, len[8];
    wire_sha256_update(s, &pad, 1);
    while (s->fill != 56)
        wire_sha256_update(s, &zero, 1);
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)(bits >> (56 - 8 * i));
    wire_sha256_update(s, len, 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s->state[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->state[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->state[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->state[i];
    }
}

void wire_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len, uint8_t out[32])
{
    uint8_t k[64] = { 0 }, pad[64], inner[32];
    struct wire_sha256 s;
    if (key_len > 64) {
        wire_sha256_init(&s);
        wire_sha256_update(&s, key, key_len);
        wire_sha256_final(&s, k);
    } else {
        memcpy(k, key, key_len);
    }
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    wire_sha256_init(&s);
    wire_sha256_update(&s, pad, 64);
    wire_sha256_update(&s, data, len);
    wire_sha256_final(&s, inner);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    wire_sha256_init(&s);
    wire_sha256_update(&s, pad, 64);
    wire_sha256_update(&s, inner, 32);
    wire_sha256_final(&s, out);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int wire_secret_parse(const char *hex, uint8_t out[WIRE_SECRET_MAX])
{
    size_t n = hex ? strlen(hex) : 0;
    if (n < 16 || n > 2 * WIRE_SECRET_MAX || n % 2)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (int)(n / 2);
}

void wire_join_mac(const uint8_t *secret, size_t secret_len, char role, const uint8_t nonce_c[WIRE_NONCE_SIZE],
                   const uint8_t nonce_s[WIRE_NONCE_SIZE], uint32_t device, uint8_t out[WIRE_MAC_SIZE])
{
    static const char label[] = "dmx-join-v1";
    uint8_t msg[sizeof(label) - 1 + 1 + 2 * WIRE_NONCE_SIZE + 4], *p = msg;
    memcpy(p, label, sizeof(label) - 1);
    p += sizeof(label) - 1;
    *p++ = (uint8_t)role;
    memcpy(p, nonce_c, WIRE_NONCE_SIZE);
    p += WIRE_NONCE_SIZE;
    memcpy(p, nonce_s, WIRE_NONCE_SIZE);
    p += WIRE_NONCE_SIZE;
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(device >> (24 - 8 * i));
    wire_hmac_sha256(secret, secret_len, msg, sizeof(msg), out);
}

bool wire_mac_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= a[i] ^ b[i];
    return d == 0;
}

int wire_nonce(uint8_t out[WIRE_NONCE_SIZE])
{
    return getrandom(out, WIRE_NONCE_SIZE, 0) == WIRE_NONCE_SIZE ? 0 : -1;
}
