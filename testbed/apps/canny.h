/* Canny edge detection on 8-bit gray images, all in integer arithmetic so that the edge map is bit-identical
 * on every architecture (the end-to-end test compares the guest's edge checksums with a native run).
 *   1. Gaussian blur, 5x5, sigma ~1.4 (the classic /159 kernel), borders replicated;
 *   2. Sobel gradients gx, gy, magnitude |gx| + |gy|;
 *   3. non-maximum suppression along the gradient direction quantized to 0/45/90/135 degrees
 *      (tan 22.5 ~ 0.414, tan 67.5 ~ 2.414);
 *   4. hysteresis: pixels >= high are edges, and so is every pixel >= low 8-connected to an edge.
 * The output is 255 on edges, 0 elsewhere. */
#ifndef DMX_CANNY_H
#define DMX_CANNY_H

#include <stdint.h>

struct canny_params {
    int low, high; /* thresholds on the L1 gradient magnitude (0 .. 2040) */
};
#define CANNY_DEFAULT_LOW 60
#define CANNY_DEFAULT_HIGH 150

struct canny_work {
    int width, height;
    uint8_t *blur;
    int16_t *gx, *gy;
    uint16_t *mag, *nms;
    uint32_t *stack;
};

int canny_init(struct canny_work *work, int width, int height); /* 0 or -ENOMEM / -EINVAL */
void canny_free(struct canny_work *work);
void canny_run(struct canny_work *work, const uint8_t *in, uint8_t *edges, const struct canny_params *params);

/* The stages, exposed for the tests. */
void canny_blur(const uint8_t *in, uint8_t *out, int width, int height);
void canny_sobel(const uint8_t *in, int16_t *gx, int16_t *gy, uint16_t *mag, int width, int height);
void canny_suppress(const int16_t *gx, const int16_t *gy, const uint16_t *mag, uint16_t *out, int width, int height);
void canny_hysteresis(const uint16_t *nms, uint8_t *edges, uint32_t *stack, int width, int height, int low, int high);

#endif
