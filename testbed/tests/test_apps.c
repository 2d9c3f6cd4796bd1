/* test_apps: the workloads' compute kernels, natively.
 *  - Canny (testbed/apps/canny.c) against a small independent implementation of the same definition
 *    (direct 2D convolutions, angle classes from the signs and ratios, hysteresis by repeated sweeps),
 *    and against a known image (a bright rectangle: edges on its outline and nowhere else);
 *  - MobileNet-v1 (testbed/apps/mobilenet.c): channel rounding, the multiply-add count of the published
 *    network (569 M at width 1.0), determinism of the labels. */
#include "canny.h"
#include "mobilenet.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

/* ---- the independent reference ---- */

static int px(const uint8_t *img, int w, int h, int x, int y)
{
    x = x < 0 ? 0 : x >= w ? w - 1 : x;
    y = y < 0 ? 0 : y >= h ? h - 1 : y;
    return img[y * w + x];
}

static uint8_t *reference_canny(const uint8_t *in, int w, int h, int low, int high)
{
    static const int gauss[25] = { 2, 4, 5, 4, 2, 4, 9, 12, 9, 4, 5, 12, 15, 12, 5, 4, 9, 12, 9, 4, 2, 4, 5, 4, 2 };
    static const int sx[9] = { -1, 0, 1, -2, 0, 2, -1, 0, 1 }, sy[9] = { -1, -2, -1, 0, 0, 0, 1, 2, 1 };
    int n = w * h;
    uint8_t *blur = g_malloc(n), *out = g_malloc0(n);
    int *gx = g_new(int, n), *gy = g_new(int, n), *mag = g_new(int, n), *thin = g_new0(int, n);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int s = 0;
            for (int k = 0; k < 25; k++)
                s += gauss[k] * px(in, w, h, x + k % 5 - 2, y + k / 5 - 2);
            blur[y * w + x] = (uint8_t)((s + 79) / 159);
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int a = 0, b = 0;
            for (int k = 0; k < 9; k++) {
                a += sx[k] * px(blur, w, h, x + k % 3 - 1, y + k / 3 - 1);
                b += sy[k] * px(blur, w, h, x + k % 3 - 1, y + k / 3 - 1);
            }
            gx[y * w + x] = a;
            gy[y * w + x] = b;
            mag[y * w + x] = abs(a) + abs(b);
        }
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            int i = y * w + x, ax = abs(gx[i]), ay = abs(gy[i]), dx, dy;
            if (mag[i] == 0)
                continue;
            if (1000 * ay <= 414 * ax) { dx = 1; dy = 0; }
            else if (1000 * ay >= 2414 * ax) { dx = 0; dy = 1; }
            else if ((gx[i] > 0 && gy[i] > 0) || (gx[i] <= 0 && gy[i] <= 0)) { dx = 1; dy = 1; }
            else { dx = -1; dy = 1; }
            int ahead = mag[(y + dy) * w + x + dx], behind = mag[(y - dy) * w + x - dx];
            if (mag[i] > behind && mag[i] >= ahead)
                thin[i] = mag[i];
        }
    for (int i = 0; i < n; i++)
        out[i] = thin[i] >= high ? 255 : 0;
    for (int changed = 1; changed;) {
        changed = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                if (out[i] || thin[i] < low)
                    continue;
                for (int k = 0; k < 9 && !out[i]; k++) {
                    int qx = x + k % 3 - 1, qy = y + k / 3 - 1;
                    if (qx >= 0 && qy >= 0 && qx < w && qy < h && out[qy * w + qx]) {
                        out[i] = 255;
                        changed = 1;
                    }
                }
            }
    }
    g_free(blur); g_free(gx); g_free(gy); g_free(mag); g_free(thin);
    return out;
}

static uint8_t *run_canny(const uint8_t *in, int w, int h, int low, int high)
{
    struct canny_work work;
    struct canny_params params = { low, high };
    g_assert_cmpint(canny_init(&work, w, h), ==, 0);
    uint8_t *edges = g_malloc(w * h);
    canny_run(&work, in, edges, &params);
    canny_free(&work);
    return edges;
}

static uint8_t *scene(int w, int h, uint32_t seed)
{
    uint8_t *img = g_malloc(w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            seed = seed * 1664525u + 1013904223u;
            int v = 40 + (x * 3 + y) % 50 + (int)(seed >> 28);              /* ramp and noise */
            if ((x - w / 3) * (x - w / 3) + (y - h / 2) * (y - h / 2) < (h / 4) * (h / 4))
                v += 120;                                                  /* a disc */
            if (x > w / 2 && x < w - 6 && y > 5 && y < h / 2)
                v = 230 - v / 4;                                           /* a rectangle */
            if ((x + 2 * y) % 37 == 0)
                v = 255;                                                   /* thin diagonal lines */
            img[y * w + x] = (uint8_t)(v > 255 ? 255 : v);
        }
    return img;
}

static void test_canny_matches_reference(void)
{
    const int sizes[][2] = { { 64, 48 }, { 176, 144 }, { 33, 17 } };
    const int thresholds[][2] = { { CANNY_DEFAULT_LOW, CANNY_DEFAULT_HIGH }, { 20, 60 }, { 100, 300 } };
    for (unsigned s = 0; s < G_N_ELEMENTS(sizes); s++)
        for (unsigned t = 0; t < G_N_ELEMENTS(thresholds); t++) {
            int w = sizes[s][0], h = sizes[s][1];
            uint8_t *img = scene(w, h, s * 7 + t);
            uint8_t *got = run_canny(img, w, h, thresholds[t][0], thresholds[t][1]);
            uint8_t *want = reference_canny(img, w, h, thresholds[t][0], thresholds[t][1]);
            int edges = 0;
            for (int i = 0; i < w * h; i++)
                edges += want[i] != 0;
            g_assert_cmpint(edges, >, 0);
            g_assert_cmpmem(got, w * h, want, w * h);
            g_free(img); g_free(got); g_free(want);
        }
}

static void test_canny_known_rectangle(void)
{
    int w = 64, h = 48, x0 = 20, x1 = 44, y0 = 12, y1 = 36; /* bright [x0, x1) x [y0, y1) */
    uint8_t *img = g_malloc(w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            img[y * w + x] = x >= x0 && x < x1 && y >= y0 && y < y1 ? 200 : 50;
    uint8_t *edges = run_canny(img, w, h, CANNY_DEFAULT_LOW, CANNY_DEFAULT_HIGH);
    int on_left = 0, on_right = 0, on_top = 0, on_bottom = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (!edges[y * w + x])
                continue;
            int near_x = abs(x - x0) <= 1 || abs(x - x1) <= 1, near_y = abs(y - y0) <= 1 || abs(y - y1) <= 1;
            int inside_x = x >= x0 - 1 && x <= x1, inside_y = y >= y0 - 1 && y <= y1;
            g_assert_true((near_x && inside_y) || (near_y && inside_x)); /* only on the outline */
            on_left += abs(x - x0) <= 1 && inside_y;
            on_right += abs(x - x1) <= 1 && inside_y;
            on_top += abs(y - y0) <= 1 && inside_x;
            on_bottom += abs(y - y1) <= 1 && inside_x;
        }
    /* Each side is traced along (nearly) its whole length, once: thin edges. */
    g_assert_cmpint(on_left, >=, y1 - y0 - 4);
    g_assert_cmpint(on_left, <=, y1 - y0 + 2);
    g_assert_cmpint(on_right, >=, y1 - y0 - 4);
    g_assert_cmpint(on_top, >=, x1 - x0 - 4);
    g_assert_cmpint(on_bottom, >=, x1 - x0 - 4);
    memset(img, 77, w * h); /* a flat image has no edges */
    g_free(edges);
    edges = run_canny(img, w, h, CANNY_DEFAULT_LOW, CANNY_DEFAULT_HIGH);
    for (int i = 0; i < w * h; i++)
        g_assert_cmpint(edges[i], ==, 0);
    g_free(img); g_free(edges);
}

static void test_mobilenet_shape(void)
{
    g_assert_cmpint(mobilenet_channels(32, 1.0f), ==, 32);
    g_assert_cmpint(mobilenet_channels(32, 0.25f), ==, 8);
    g_assert_cmpint(mobilenet_channels(1024, 0.75f), ==, 768);
    g_assert_cmpint(mobilenet_channels(64, 0.1f), ==, 8);
    struct mobilenet net;
    g_assert_cmpint(mobilenet_init(&net, 0.25f, 10, 1), ==, 0); /* small: the full one's init is slower */
    g_assert_cmpint(net.block_out[MOBILENET_BLOCKS - 1], ==, 256);
    mobilenet_free(&net);
    /* The multiply-add count of the published network, from the same layer arithmetic (no allocation). */
    uint64_t macs = 112ull * 112 * 32 * 27;
    int side = 112, c = 32;
    static const int outs[] = { 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024 };
    static const int strides[] = { 1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1 };
    for (int b = 0; b < 13; b++) {
        side /= strides[b];
        macs += (uint64_t)side * side * c * 9 + (uint64_t)side * side * c * outs[b];
        c = outs[b];
    }
    macs += 1024ull * 1000;
    g_assert_cmpuint(macs / 1000000, >=, 565);
    g_assert_cmpuint(macs / 1000000, <=, 575);
}

static void test_mobilenet_deterministic(void)
{
    struct mobilenet a, b;
    g_assert_cmpint(mobilenet_init(&a, 0.25f, 100, 42), ==, 0);
    g_assert_cmpint(mobilenet_init(&b, 0.25f, 100, 42), ==, 0);
    float *input = g_new(float, MOBILENET_INPUT * MOBILENET_INPUT * 3);
    float *pa = g_new(float, 100), *pb = g_new(float, 100);
    float *sa = mobilenet_scratch(&a), *sb = mobilenet_scratch(&b);
    int labels[4];
    for (int img = 0; img < 4; img++) {
        for (int i = 0; i < MOBILENET_INPUT * MOBILENET_INPUT * 3; i++)
            input[i] = (float)(((i * (img + 3)) % 251) / 125.0 - 1.0);
        labels[img] = mobilenet_forward(&a, input, sa, pa);
        g_assert_cmpint(mobilenet_forward(&b, input, sb, pb), ==, labels[img]);
        g_assert_cmpmem(pa, 100 * sizeof *pa, pb, 100 * sizeof *pb);
        float total = 0;
        for (int k = 0; k < 100; k++)
            total += pa[k];
        g_assert_cmpfloat_with_epsilon(total, 1.0, 1e-3);
    }
    free(sa); free(sb);
    g_free(input); g_free(pa); g_free(pb);
    mobilenet_free(&a);
    mobilenet_free(&b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/apps/canny/reference", test_canny_matches_reference);
    g_test_add_func("/apps/canny/known-rectangle", test_canny_known_rectangle);
    g_test_add_func("/apps/mobilenet/shape", test_mobilenet_shape);
    g_test_add_func("/apps/mobilenet/deterministic", test_mobilenet_deterministic);
    return g_test_run();
}
