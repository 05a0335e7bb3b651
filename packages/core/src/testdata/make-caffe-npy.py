"""Regenerates caffe-all-values.npy: Keras' caffe-mode preprocess_input, computed by NumPy, on a
16×16 RGB image whose channels take every 8-bit value (R = v, G = 255 − v, B = 7·v mod 256).

Run with Debian's python3-numpy: /usr/bin/python3 packages/core/src/testdata/make-caffe-npy.py
Writes caffe-all-values-input.npy (uint8 [16, 16, 3], RGB) and caffe-all-values.npy (float32 [1, 16, 16, 3], BGR).
"""
import os
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
v = np.arange(256, dtype=np.int64)
rgb = np.stack([v, 255 - v, (7 * v) % 256], -1).astype(np.uint8).reshape(16, 16, 3)

# keras/src/applications/imagenet_utils.py `_preprocess_numpy_input`, mode='caffe', data_format
# channels_last, line for line: img_to_array gives float32, then the in-place float32 subtraction.
x = rgb.astype("float32")
x = x[..., ::-1]
mean = [103.939, 116.779, 123.68]
x[..., 0] -= mean[0]
x[..., 1] -= mean[1]
x[..., 2] -= mean[2]
assert x.dtype == np.float32

np.save(os.path.join(here, "caffe-all-values-input.npy"), rgb)
np.save(os.path.join(here, "caffe-all-values.npy"), np.ascontiguousarray(x[None]))
