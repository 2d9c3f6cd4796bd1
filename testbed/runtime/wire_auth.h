/* wire_auth.h: joining a run needs the per-run secret (env DMX_SECRET, hex).
 *
 * Challenge-response with HMAC-SHA-256, both ways, so neither side sends the secret and each proves it
 * holds it:
 *   client -> HELLO(device, nonce_c)         server -> CHALLENGE(nonce_s)
 *   client -> AUTH(HMAC(secret, "dmx-join-v1" 'C' nonce_c nonce_s device))
 *   server -> WELCOME(HMAC(secret, "dmx-join-v1" 'S' nonce_c nonce_s device), region) or REJECT */
#ifndef WIRE_AUTH_H
#define WIRE_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "wire_msg.h"

#define WIRE_SECRET_MAX 64

struct wire_sha256 {
    uint32_t state[8];
    uint64_t bytes;
    uint8_t block[64];
    size_t fill;
};
void wire_sha256_init(struct wire_sha256 *s);
void wire_sha256_update(struct wire_sha256 *s, const void *data, size_t len);
void wire_sha256_final(struct wire_sha256 *s, uint8_t out[32]);
void wire_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len, uint8_t out[32]);

/* Parse a hex secret (even length, 16..128 digits). Returns its length in bytes, or -1. */
int wire_secret_parse(const char *hex, uint8_t out[WIRE_SECRET_MAX]);

/* role is 'C' (client proof, in AUTH) or 'S' (server proof, in WELCOME). */
void wire_join_mac(const uint8_t *secret, size_t secret_len, char role, const uint8_t nonce_c[WIRE_NONCE_SIZE],
                   const uint8_t nonce_s[WIRE_NONCE_SIZE], uint32_t device, uint8_t out[WIRE_MAC_SIZE]);
/* Constant-time comparison. */
bool wire_mac_equal(const uint8_t *a, const uint8_t *b, size_t n);
/* Fill a nonce from the kernel's random source. Returns 0 or -1. */
int wire_nonce(uint8_t out[WIRE_NONCE_SIZE]);

#endif
