/* MobileNet-v1 forward pass with deterministic weights (see mobilenet.h). */
#include "mobilenet.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const int base_out[MOBILENET_BLOCKS] = { 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024 };
static const int strides[MOBILENET_BLOCKS] = { 1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1 };

int mobilenet_channels(int base, float alpha)
{
    int c = (int)(base * alpha + 4) / 8 * 8;
    return c < 8 ? 8 : c;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* N weights uniform in [-limit, limit), limit = sqrt(6 / fan_in); biases small and positive-leaning. */
static float *generate(uint64_t *state, size_t n, int fan_in, int is_bias)
{
    float *w = malloc(n * sizeof *w);
    if (!w)
        return NULL;
    float limit = is_bias ? 0.05f : sqrtf(6.0f / (float)fan_in);
    for (size_t i = 0; i < n; i++) {
        float u = (float)(splitmix64(state) >> 40) / (float)(1 << 24); /* [0, 1), exact */
        w[i] = is_bias ? limit * u : limit * (2.0f * u - 1.0f);
    }
    return w;
}

void mobilenet_free(struct mobilenet *net)
{
    free(net->conv0_w);
    free(net->conv0_b);
    for (int b = 0; b < MOBILENET_BLOCKS; b++) {
        free(net->dw_w[b]);
        free(net->dw_b[b]);
        free(net->pw_w[b]);
        free(net->pw_b[b]);
    }
    free(net->fc_w);
    free(net->fc_b);
    free(net->feature_center);
    memset(net, 0, sizeof *net);
}

static int calibrate(struct mobilenet *net);

int mobilenet_init(struct mobilenet *net, float alpha, int classes, uint64_t seed)
{
    memset(net, 0, sizeof *net);
    if (alpha <= 0 || alpha > 2 || classes < 2)
        return -EINVAL;
    net->alpha = alpha;
    net->classes = classes;
    uint64_t state = seed;
    int c = net->conv0_out = mobilenet_channels(32, alpha);
    int side = MOBILENET_INPUT / 2;
    net->macs = (uint64_t)side * side * c * 27;
    net->max_activation = (size_t)side * side * c;
    net->conv0_w = generate(&state, (size_t)c * 27, 27, 0);
    net->conv0_b = generate(&state, (size_t)c, 27, 1);
    int ok = net->conv0_w && net->conv0_b;
    for (int b = 0; b < MOBILENET_BLOCKS && ok; b++) {
        int out = mobilenet_channels(base_out[b], alpha);
        net->block_in[b] = c;
        net->block_out[b] = out;
        net->block_stride[b] = strides[b];
        side /= strides[b];
        net->macs += (uint64_t)side * side * c * 9 + (uint64_t)side * side * c * out;
        size_t act = (size_t)side * side * (size_t)(out > c ? out : c) * (strides[b] == 2 ? 4 : 1);
        if (act > net->max_activation)
            net->max_activation = act;
        net->dw_w[b] = generate(&state, (size_t)c * 9, 9, 0);
        net->dw_b[b] = generate(&state, (size_t)c, 9, 1);
        net->pw_w[b] = generate(&state, (size_t)out * c, c, 0);
        net->pw_b[b] = generate(&state, (size_t)out, c, 1);
        ok = net->dw_w[b] && net->dw_b[b] && net->pw_w[b] && net->pw_b[b];
        c = out;
    }
    if (ok) {
        net->fc_w = generate(&state, (size_t)classes * c, c, 0);
        net->fc_b = generate(&state, (size_t)classes, c, 1);
        ok = net->fc_w && net->fc_b;
        net->macs += (uint64_t)classes * c;
    }
    if (!ok) {
        mobilenet_free(net);
        return -ENOMEM;
    }
    return calibrate(net);
}

float *mobilenet_scratch(const struct mobilenet *net)
{
    return malloc(2 * net->max_activation * sizeof(float));
}

static inline float relu6(float v)
{
    return v < 0 ? 0 : v > 6 ? 6 : v;
}

/* 3x3 convolution, stride 2, padding 1, 3 input channels (HWC). */
static void conv0(const struct mobilenet *net, const float *in, float *out)
{
    int side = MOBILENET_INPUT, out_side = side / 2, oc = net->conv0_out;
    for (int y = 0; y < out_side; y++)
        for (int x = 0; x < out_side; x++)
            for (int o = 0; o < oc; o++) {
                float sum = net->conv0_b[o];
                const float *w = net->conv0_w + (size_t)o * 27;
                for (int ky = 0; ky < 3; ky++) {
                    int iy = 2 * y + ky - 1;
                    if (iy < 0 || iy >= side)
                        continue;
                    for (int kx = 0; kx < 3; kx++) {
                        int ix = 2 * x + kx - 1;
                        if (ix < 0 || ix >= side)
                            continue;
                        const float *p = in + ((size_t)iy * side + ix) * 3;
                        const float *k = w + (ky * 3 + kx) * 3;
                        sum += p[0] * k[0] + p[1] * k[1] + p[2] * k[2];
                    }
                }
                out[((size_t)y * out_side + x) * oc + o] = relu6(sum);
            }
}

/* 3x3 depthwise convolution, padding 1, stride S. */
static void depthwise(const float *in, float *out, int side, int c, int stride, const float *w, const float *bias)
{
    int out_side = side / stride;
    for (int y = 0; y < out_side; y++)
        for (int x = 0; x < out_side; x++) {
            float *o = out + ((size_t)y * out_side + x) * c;
            for (int ch = 0; ch < c; ch++)
                o[ch] = bias[ch];
            for (int ky = 0; ky < 3; ky++) {
                int iy = stride * y + ky - 1;
                if (iy < 0 || iy >= side)
                    continue;
                for (int kx = 0; kx < 3; kx++) {
                    int ix = stride * x + kx - 1;
                    if (ix < 0 || ix >= side)
                        continue;
                    const float *p = in + ((size_t)iy * side + ix) * c;
                    int k = ky * 3 + kx;
                    for (int ch = 0; ch < c; ch++)
                        o[ch] += p[ch] * w[ch * 9 + k];
                }
            }
            for (int ch = 0; ch < c; ch++)
                o[ch] = relu6(o[ch]);
        }
}

/* 1x1 convolution: for every pixel, OUT = W (out x in) * IN + bias. */
static void pointwise(const float *in, float *out, int pixels, int cin, int cout, const float *w, const float *bias)
{
    for (int p = 0; p < pixels; p++) {
        const float *x = in + (size_t)p * cin;
        float *o = out + (size_t)p * cout;
        for (int j = 0; j < cout; j++) {
            const float *row = w + (size_t)j * cin;
            float sum = bias[j];
            for (int i = 0; i < cin; i++)
                sum += row[i] * x[i];
            o[j] = relu6(sum);
        }
    }
}

int mobilenet_forward(const struct mobilenet *net, const float *input, float *scratch, float *probs)
{
    float *a = scratch, *b = scratch + net->max_activation;
    conv0(net, input, a);
    int side = MOBILENET_INPUT / 2;
    for (int blk = 0; blk < MOBILENET_BLOCKS; blk++) {
        int cin = net->block_in[blk], cout = net->block_out[blk], stride = net->block_stride[blk];
        depthwise(a, b, side, cin, stride, net->dw_w[blk], net->dw_b[blk]);
        side /= stride;
        pointwise(b, a, side * side, cin, cout, net->pw_w[blk], net->pw_b[blk]);
    }
    int c = net->block_out[MOBILENET_BLOCKS - 1];
    for (int ch = 0; ch < c; ch++) {
        float sum = 0;
        for (int p = 0; p < side * side; p++)
            sum += a[(size_t)p * c + ch];
        b[ch] = sum / (float)(side * side) - (net->feature_center ? net->feature_center[ch] : 0.0f);
    }
    if (!probs) { /* calibration: hand back the features */
        memcpy(scratch, b, (size_t)c * sizeof *b);
        return 0;
    }
    int best = 0;
    float max = -INFINITY, total = 0;
    for (int k = 0; k < net->classes; k++) {
        const float *row = net->fc_w + (size_t)k * c;
        float sum = net->fc_b[k];
        for (int i = 0; i < c; i++)
            sum += row[i] * b[i];
        probs[k] = sum;
        if (sum > max) {
            max = sum;
            best = k;
        }
    }
    for (int k = 0; k < net->classes; k++)
        total += probs[k] = expf(probs[k] - max);
    for (int k = 0; k < net->classes; k++)
        probs[k] /= total;
    return best;
}

static int calibrate(struct mobilenet *net)
{
    size_t n = (size_t)MOBILENET_INPUT * MOBILENET_INPUT * 3;
    int c = net->block_out[MOBILENET_BLOCKS - 1];
    float *gray = calloc(n, sizeof *gray), *scratch = mobilenet_scratch(net);
    net->feature_center = NULL;
    float *center = malloc((size_t)c * sizeof *center);
    if (!gray || !scratch || !center) {
        free(gray);
        free(scratch);
        free(center);
        mobilenet_free(net);
        return -ENOMEM;
    }
    mobilenet_forward(net, gray, scratch, NULL);
    memcpy(center, scratch, (size_t)c * sizeof *center);
    net->feature_center = center;
    free(gray);
    free(scratch);
    return 0;
}
