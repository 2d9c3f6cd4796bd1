/* Canny edge detection (see canny.h). */
#include "canny.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static inline int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void canny_blur(const uint8_t *in, uint8_t *out, int w, int h)
{
    static const int k[5][5] = {
        { 2, 4, 5, 4, 2 }, { 4, 9, 12, 9, 4 }, { 5, 12, 15, 12, 5 }, { 4, 9, 12, 9, 4 }, { 2, 4, 5, 4, 2 },
    };
    for (int y = 0; y < h; y++) {
        const uint8_t *rows[5];
        for (int i = 0; i < 5; i++)
            rows[i] = in + (size_t)clampi(y + i - 2, 0, h - 1) * w;
        for (int x = 0; x < w; x++) {
            int sum = 0;
            if (x >= 2 && x < w - 2) {
                for (int i = 0; i < 5; i++) {
                    const uint8_t *r = rows[i] + x - 2;
                    sum += k[i][0] * r[0] + k[i][1] * r[1] + k[i][2] * r[2] + k[i][3] * r[3] + k[i][4] * r[4];
                }
            } else {
                for (int i = 0; i < 5; i++)
                    for (int j = 0; j < 5; j++)
                        sum += k[i][j] * rows[i][clampi(x + j - 2, 0, w - 1)];
            }
            out[(size_t)y * w + x] = (uint8_t)((sum + 79) / 159);
        }
    }
}

void canny_sobel(const uint8_t *in, int16_t *gx, int16_t *gy, uint16_t *mag, int w, int h)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *up = in + (size_t)clampi(y - 1, 0, h - 1) * w;
        const uint8_t *mid = in + (size_t)y * w;
        const uint8_t *down = in + (size_t)clampi(y + 1, 0, h - 1) * w;
        for (int x = 0; x < w; x++) {
            int l = clampi(x - 1, 0, w - 1), r = clampi(x + 1, 0, w - 1);
            int dx = (up[r] + 2 * mid[r] + down[r]) - (up[l] + 2 * mid[l] + down[l]);
            int dy = (down[l] + 2 * down[x] + down[r]) - (up[l] + 2 * up[x] + up[r]);
            size_t i = (size_t)y * w + x;
            gx[i] = (int16_t)dx;
            gy[i] = (int16_t)dy;
            mag[i] = (uint16_t)(abs(dx) + abs(dy));
        }
    }
}

void canny_suppress(const int16_t *gx, const int16_t *gy, const uint16_t *mag, uint16_t *out, int w, int h)
{
    memset(out, 0, (size_t)w * h * sizeof *out);
    for (int y = 1; y < h - 1; y++) {
        for (int x = 1; x < w - 1; x++) {
            size_t i = (size_t)y * w + x;
            int m = mag[i];
            if (m == 0)
                continue;
            int ax = abs(gx[i]), ay = abs(gy[i]);
            ptrdiff_t step; /* offset to the neighbour along the gradient */
            if (ay * 1000 <= ax * 414)
                step = 1; /* gradient ~horizontal: compare left and right */
            else if (ay * 1000 >= ax * 2414)
                step = w; /* ~vertical: up and down */
            else if ((gx[i] > 0) == (gy[i] > 0))
                step = w + 1; /* down-right / up-left */
            else
                step = w - 1; /* down-left / up-right */
            if (m > mag[i - step] && m >= mag[i + step])
                out[i] = (uint16_t)m;
        }
    }
}

void canny_hysteresis(const uint16_t *nms, uint8_t *edges, uint32_t *stack, int w, int h, int low, int high)
{
    size_t n = (size_t)w * h, top = 0;
    memset(edges, 0, n);
    for (size_t i = 0; i < n; i++) {
        if (nms[i] < high || edges[i])
            continue;
        edges[i] = 255;
        stack[top++] = (uint32_t)i;
        while (top > 0) {
            uint32_t p = stack[--top];
            int px = (int)(p % (uint32_t)w), py = (int)(p / (uint32_t)w);
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    int qx = px + dx, qy = py + dy;
                    if (qx < 0 || qy < 0 || qx >= w || qy >= h)
                        continue;
                    size_t q = (size_t)qy * w + qx;
                    if (!edges[q] && nms[q] >= low) {
                        edges[q] = 255;
                        stack[top++] = (uint32_t)q;
                    }
                }
            }
        }
    }
}

int canny_init(struct canny_work *work, int width, int height)
{
    memset(work, 0, sizeof *work);
    if (width < 3 || height < 3)
        return -EINVAL;
    size_t n = (size_t)width * height;
    work->width = width;
    work->height = height;
    work->blur = malloc(n);
    work->gx = malloc(n * sizeof *work->gx);
    work->gy = malloc(n * sizeof *work->gy);
    work->mag = malloc(n * sizeof *work->mag);
    work->nms = malloc(n * sizeof *work->nms);
    work->stack = malloc(n * sizeof *work->stack);
    if (!work->blur || !work->gx || !work->gy || !work->mag || !work->nms || !work->stack) {
        canny_free(work);
        return -ENOMEM;
    }
    return 0;
}

void canny_free(struct canny_work *work)
{
    free(work->blur);
    free(work->gx);
    free(work->gy);
    free(work->mag);
    free(work->nms);
    free(work->stack);
    memset(work, 0, sizeof *work);
}

void canny_run(struct canny_work *work, const uint8_t *in, uint8_t *edges, const struct canny_params *params)
{
    int w = work->width, h = work->height;
    canny_blur(in, work->blur, w, h);
    canny_sobel(work->blur, work->gx, work->gy, work->mag, w, h);
    canny_suppress(work->gx, work->gy, work->mag, work->nms, w, h);
    canny_hysteresis(work->nms, edges, work->stack, w, h, params->low, params->high);
}
