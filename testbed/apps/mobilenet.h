/* A MobileNet-v1 forward pass (Howard et al. 2017): a 3x3 stride-2 convolution, 13 depthwise-separable
 * blocks (3x3 depthwise + 1x1 pointwise, each followed by batch norm folded into a bias and ReLU6), global
 * average pooling, a fully connected layer and softmax, on a 224x224x3 image (HWC, values in [-1, 1]).
 * ALPHA is the width multiplier (1.0 = the full network, 569 M multiply-adds; 0.25 = 41 M).
 *
 * No pretrained weights can be downloaded here, so the weights are generated deterministically from a seed
 * (He-uniform per layer, splitmix64): the labels mean nothing about the photos, but the work per photo is the
 * real network's, and the same seed gives the same labels on every run. A deep random network maps every
 * image to nearly the same features, so init runs one mid-gray image through it and the classifier sees the
 * features relative to those (what trained batch-norm statistics would do); labels then depend on the photo. */
#ifndef DMX_MOBILENET_H
#define DMX_MOBILENET_H

#include <stddef.h>
#include <stdint.h>

#define MOBILENET_INPUT 224
#define MOBILENET_BLOCKS 13

struct mobilenet {
    float alpha;
    int classes;
    int conv0_out;
    int block_in[MOBILENET_BLOCKS], block_out[MOBILENET_BLOCKS], block_stride[MOBILENET_BLOCKS];
    float *conv0_w, *conv0_b;                                       /* [out][3][3][3], [out] */
    float *dw_w[MOBILENET_BLOCKS], *dw_b[MOBILENET_BLOCKS];         /* [c][3][3], [c] */
    float *pw_w[MOBILENET_BLOCKS], *pw_b[MOBILENET_BLOCKS];         /* [out][in], [out] */
    float *fc_w, *fc_b;                                             /* [classes][last], [classes] */
    float *feature_center; /* pooled features of a mid-gray image, subtracted before the classifier */
    size_t max_activation;                                          /* floats in the largest activation */
    uint64_t macs;                                                  /* multiply-adds per forward pass */
};

/* Channel count for width multiplier ALPHA, rounded to a multiple of 8 as the reference implementation does. */
int mobilenet_channels(int base, float alpha);
int mobilenet_init(struct mobilenet *net, float alpha, int classes, uint64_t seed); /* 0 or -errno */
void mobilenet_free(struct mobilenet *net);

/* Scratch for one forward pass (two activation buffers); one per thread. */
float *mobilenet_scratch(const struct mobilenet *net);
/* INPUT is 224*224*3 floats; writes net->classes probabilities into PROBS; returns the top class.
 * (PROBS NULL: leaves the centered pooled features at the start of SCRATCH and returns 0.) */
int mobilenet_forward(const struct mobilenet *net, const float *input, float *scratch, float *probs);

#endif
