"""Known mistakes, and the hint shown when a check that usually catches them fails."""
from __future__ import annotations

from typing import Sequence

HINTS = {
    "unbroadcast": "when an input was broadcast in forward (e.g. (4,) against (3, 4)), its "
                   "gradient must be summed back to the input's shape: use unbroadcast().",
    "shape_larger": "the result has more entries than expected: a gradient left in the "
                    "broadcast shape (e.g. (3, 4) for an input of shape (4,)) must be summed "
                    "back to its input's shape with unbroadcast().",
    "shape_smaller": "the result has fewer entries than expected: part of it was lost (a crop "
                     "such as g[:, :, p:-p] is empty when p = 0, or a sum over one axis too "
                     "many).",
    "shape_rearranged": "the result has the right number of entries in another shape: a "
                        "transpose or reshape is missing or one too many (check the order of "
                        "the operands in a matmul).",
    "route_by_parent": "backward returns one gradient per input of forward, in order: give "
                       "the i-th to next_functions[i] and skip the None entries (constants), "
                       "never pair the gradients with the inputs that require grad.",
    "accumulate": "a leaf reached along several paths gets the SUM of the gradients of all paths; "
                  "add to .grad (or to the pending gradient of a node), never overwrite it.",
    "grad_on_intermediate": "only leaves that require grad store .grad; intermediate results "
                            "and constants keep .grad = None.",
    "flags": "in Function.apply: the output requires grad if any input does, and is then not a "
             "leaf and has grad_fn set to the new BackwardFunction.",
    "next_functions": "in Function.apply, next_functions gets one entry per forward argument: "
                      "AccumulateGrad(arg) for a leaf requiring grad, arg.grad_fn for a non-leaf, "
                      "None for a constant or a non-tensor argument.",
    "grad_output": "backward must multiply by grad_output (the chain rule): check with an "
                   "upstream gradient other than ones.",
    "div": "d(a/b)/da = 1/b and d(a/b)/db = -a/b**2; watch the sign and the square.",
    "tensor_backward": "Tensor.backward() seeds the traversal with np.ones shaped like the tensor "
                       "and starts at its grad_fn.",
    "plain_grad": "a stored .grad is a plain Tensor: requires_grad=False and no grad_fn.",
    "linear": "y = x @ W.T + b with W of shape (out, in); a transposed weight layout gives the "
              "wrong shape or values.",
    "relu": "the derivative of relu is 1 where the INPUT is positive, 0 elsewhere, times "
            "grad_output.",
    "relu_in_place": "relu must leave its input as it was: compute into a new array "
                     "(np.maximum(x, 0)), never x[x < 0] = 0 on the input's data.",
    "sgd": "SGD subtracts: W <- W - lr * grad, in place on .data, without building graph nodes "
           "and without changing .grad.",
    "momentum": "keep one velocity per parameter: v <- momentum * v - lr * grad; W <- W + v.",
    "batchnorm_train": "normalise with the biased batch variance (divide by m), but update "
                       "running_var with the unbiased one (divide by m - 1); "
                       "running = (1 - momentum) * running + momentum * batch_stat.",
    "batchnorm_eval": "in eval mode use running_mean and running_var, and do not update them.",
    "cross_entropy": "average over the batch (not the sum), pick the target class's "
                     "log-probability, and return a 0-d tensor.",
    "log_sum_exp": "subtract the row maximum before exp (log-sum-exp shift); without it large "
                   "logits overflow to inf/nan.",
    "log_of_underflow": "with large logits a probability underflows to 0, and log(p + eps) "
                        "or a clip caps the loss: compute the log-probabilities directly, "
                        "x - max - log(sum(exp(x - max))), and never take the log of a "
                        "softmax.",
    "sequential": "Sequential.forward feeds each layer's output into the next layer.",
    # Part 4
    "adam": "keep m and v per parameter and one step counter t; bias-correct both "
            "(m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t)) and add eps after the "
            "square root: W <- W - lr * m_hat / (sqrt(v_hat) + eps).",
    "conv2d_shapes": "weight is (out_channels, in_channels, k, k) and bias is (out_channels,).",
    "conv2d_forward": "a cross-correlation (do not flip the kernel): out[n, o, i, j] = b[o] + "
                      "sum over c, p, q of w[o, c, p, q] * xpad[n, c, s*i + p, s*j + q]; pad "
                      "with zeros first; Ho = (H + 2P - k) // s + 1.",
    "conv2d_input_grad": "every input pixel gets the gradient from every output pixel whose "
                         "window covered it; overlapping windows (stride < k) must add up, and "
                         "the padding is cropped off at the end.",
    "conv2d_weight_grad": "dL/dw[o, c, p, q] = sum over n, i, j of g[n, o, i, j] * "
                          "xpad[n, c, s*i + p, s*j + q] (the same windows as in forward).",
    "conv2d_bias_grad": "dL/db[o] sums the upstream gradient over the batch and both spatial "
                        "axes.",
    "flatten": "Flatten keeps axis 0 and merges the rest: x.reshape(N, -1); Reshape's backward "
               "restores the input shape.",
    # Known mistakes recognised from the wrong answer itself (check_close's ``mistakes``).
    "sub_sign": "a - b computed as a + b: the subtracted operand's sign is lost.",
    "swapped": "the operands are swapped (b op a instead of a op b); forward receives them in "
               "the order they were written.",
    "chain_rule_missing": "backward returned the local derivative alone; multiply it by "
                          "grad_output (the chain rule).",
    "local_derivative_missing": "backward passed grad_output through unchanged; multiply it by "
                                "the local derivative of this input.",
    "div_square": "d(a/b)/db = -a / b**2: the square on b is missing.",
    "overwritten": "the second backward() replaced .grad instead of adding to it: gradients "
                   "accumulate in .grad until zero_grad().",
    "linear_transposed": "the weight was used as (in, out): y = x @ W + b. Linear.weight is "
                         "(out_features, in_features), so y = x @ W.T + b.",
    "batchnorm_unbiased_norm": "the output was normalised with the unbiased variance (divide by "
                               "m - 1); normalise with the biased batch variance (divide by m).",
    "batchnorm_biased_running": "running_var was updated with the biased variance; it takes the "
                                "unbiased one, var * m / (m - 1).",
    "batchnorm_momentum_swapped": "momentum weighs the NEW statistic: running = (1 - momentum) * "
                                  "running + momentum * batch_stat (PyTorch's convention).",
    "batchnorm_eval_batch_stats": "in eval mode the output must use running_mean and running_var, "
                                  "not the statistics of the batch (is_train is False after eval()).",
    "batchnorm_eval_updates": "eval mode must leave running_mean and running_var unchanged.",
    "sgd_sign": "the gradient was added: SGD subtracts it (steps downhill), W <- W - lr * grad.",
    "momentum_sign": "the velocity has the wrong sign: v <- momentum * v - lr * grad, then W <- W + v "
                     "(or equivalently W <- W - v with v <- momentum * v + lr * grad).",
    "momentum_ignored": "the velocity is not kept between steps (one velocity per parameter, kept in "
                        "the optimizer): this is plain SGD.",
    "momentum_order": "W was updated with the old velocity; update v first, then W <- W + v.",
    "RecursionError": "endless recursion is often numpy meeting a Tensor: use .data on both "
                      "sides (a.data - b.data, not a.data - b), or an operator calling itself.",
    "adam_no_bias_correction": "the moments are not bias-corrected: divide m by (1 - beta1**t) "
                                "and v by (1 - beta2**t), with t the number of steps taken so far.",
    "adam_eps_inside": "eps goes outside the square root: W <- W - lr * m_hat / (sqrt(v_hat) + eps).",
    "adam_sign": "the step was added: Adam moves against the gradient, W <- W - lr * m_hat / "
                 "(sqrt(v_hat) + eps).",
    "relu_identity": "the output is the input unchanged: relu(x) = max(x, 0) sets negatives to 0.",
    "conv2d_flipped": "the kernel is flipped: Conv2d is a cross-correlation, out[n, o, i, j] "
                      "takes w[o, c, p, q] * xpad[n, c, s*i + p, s*j + q] (no k-1-p, k-1-q).",
    "conv2d_no_bias": "the bias is missing: add b[o] to every output pixel of channel o.",
    "conv2d_padding_ignored": "the padding is missing: pad H and W with P zeros on each side "
                              "before taking the windows.",
    "conv2d_stride_ignored": "the stride is ignored: neighbouring windows start s pixels apart, "
                             "so Ho = (H + 2P - k) // s + 1.",
    "conv2d_grad_not_cropped": "the input gradient still has the padding: crop P pixels off "
                               "each side of H and W so that dL/dx has the shape of x.",
    "conv2d_weight_grad_mean": "the weight gradient is averaged over the batch: sum the "
                               "contributions of the N images.",
    "conv2d_weight_grad_last_image": "the weight gradient holds the last image's contribution "
                                     "only: add up the contributions of all N images.",
    "conv2d_bias_grad_mean": "the bias gradient is averaged: dL/db[o] is the sum over n, i, j "
                             "of g[n, o, i, j], not the mean.",
    "conv2d_bias_grad_spatial": "the bias gradient is not summed over the spatial axes: "
                                "dL/db[o] = sum over n, i, j of g[n, o, i, j].",
    # Part 5, the extension track
    "tanh": "tanh's derivative is 1 - tanh(x)**2 (use the saved output), times grad_output.",
    "sigmoid": "sigmoid's derivative is s * (1 - s) with s = sigmoid(x), times grad_output.",
    "sigmoid_stable": "e**-x overflows for x << 0 (and e**x for x >> 0): use z = e**-|x| <= 1, "
                      "sigmoid = 1 / (1 + z) where x >= 0 and z / (1 + z) where x < 0.",
    "sigmoid_derivative_of_input": "the derivative was taken as x * (1 - x): it is s * (1 - s) "
                                   "with s = sigmoid(x), the OUTPUT.",
    "tanh_derivative_missing_square": "tanh's derivative is 1 - tanh(x)**2: the square is "
                                      "missing.",
    "leaky_relu": "leaky_relu(x) = x where x > 0, else negative_slope * x; its derivative is 1 "
                  "or negative_slope (at 0: negative_slope, as in PyTorch); negative_slope "
                  "comes from the constructor (default 0.01).",
    "gelu": "GELU(x) = x * Phi(x) with Phi(x) = (1 + erf(x / sqrt(2))) / 2 (PyTorch's exact "
            "form, not the tanh approximation); d/dx = Phi(x) + x * e**(-x**2 / 2) / sqrt(2 pi).",
    "mse": "MSELoss is the MEAN over every entry of (predicted - target)**2; its gradient is "
           "2 * (predicted - target) / n times grad_output, and the negative of that for target.",
    "mse_sum": "the squared errors were summed: MSELoss averages them over all entries.",
    "mse_no_two": "the gradient misses the factor 2: d/dp (p - t)**2 = 2 (p - t).",
    "dropout_scale": "inverted dropout scales what it keeps by 1 / (1 - p), in training only, so "
                     "that the expected output equals the input.",
    "dropout_mask": "keep each entry with probability 1 - p (mask = random >= p), draw a new "
                    "mask for every call, and store the one used in self.mask.",
    "dropout_eval": "in eval mode (is_train False after eval()) Dropout returns its input "
                    "unchanged: no mask, no scaling.",
    "init_fans": "for a weight (out, in, *kernel): fan_in = in * prod(kernel), fan_out = out * "
                 "prod(kernel); Kaiming's mode picks one of them.",
    "init_gain": "calculate_gain: linear/sigmoid 1, tanh 5/3, relu sqrt(2), leaky_relu "
                 "sqrt(2 / (1 + a**2)); Kaiming passes its a as the slope.",
    "init_uniform": "U(-b, b) has std b / sqrt(3): a uniform initialiser's bound is sqrt(3) "
                    "times the std of its normal twin.",
    "init_in_place": "an initialiser fills tensor.data in place (keeping its shape) and returns "
                     "the same tensor.",
    "weight_decay": "weight_decay adds wd * W to the gradient before the usual step (PyTorch's "
                    "coupled L2 form): g = grad + wd * W.",
    "weight_decay_ignored": "weight_decay has no effect: the parameters follow the trajectory of "
                            "the optimizer without it.",
    "weight_decay_sign": "the decay pushes the weights away from 0: g = grad + wd * W (plus, "
                         "since the step subtracts g).",
    "adam_decay_decoupled": "Adam's weight_decay is the coupled form, g = grad + wd * W going "
                            "through m and v; shrinking W directly is AdamW.",
    "adamw": "AdamW shrinks the weights first, W <- W - lr * wd * W, then takes Adam's step with "
             "the plain gradient (no wd * W in m and v).",
    "adamw_coupled": "this is Adam's coupled weight decay (wd * W added to the gradient); AdamW "
                     "decouples it: W <- W - lr * wd * W, then Adam's step with the plain "
                     "gradient.",
    "adamw_decay_without_lr": "the decoupled decay is scaled by lr too: W <- W * (1 - lr * wd), "
                              "not W * (1 - wd).",
    "l1": "the L1 penalty is strength * sum |W| over every parameter, built from graph "
          "operations so that backward adds strength * sign(W) (0 at W = 0) to each gradient.",
    # Part 5.6
    "layer_norm": "LayerNorm normalises each sample over its LAST len(normalized_shape) axes "
                  "(not over the batch): mu and the biased variance (divide by D) of those "
                  "entries, x_hat = (x - mu) / sqrt(var + eps), y = weight * x_hat + bias; "
                  "weight starts at ones and bias at zeros, both of shape normalized_shape.",
    "layer_norm_grad": "with g = dL/dy: dL/dweight and dL/dbias sum g * x_hat and g over the "
                       "sample axes; with h = g * weight, dL/dx = (h - mean(h) - x_hat * "
                       "mean(h * x_hat)) / sqrt(var + eps), the means over each sample's "
                       "normalised entries (the paths through mu and var).",
    "layer_norm_unbiased": "the variance was divided by D - 1: LayerNorm uses the biased "
                           "variance, the mean of (x - mu)**2 over the D normalised entries.",
    "layer_norm_eps_outside": "eps goes inside the square root: x_hat = (x - mu) / "
                              "sqrt(var + eps).",
    "layer_norm_over_batch": "the statistics were taken over the batch axis (BatchNorm's): "
                             "LayerNorm takes them over each sample's last axes.",
    "layer_norm_last_axis_only": "only the last axis was normalised: normalized_shape (4, 5) "
                                 "means the statistics of all 20 entries of each sample.",
    "max_pool": "out[n, c, i, j] = max of the window x[n, c, s*i:s*i+k, s*j:s*j+k] (stride s "
                "defaults to k; Ho = (H - k) // s + 1); the gradient goes to the window's "
                "argmax only (the first one in row-major order on a tie, as np.argmax), and "
                "adds up where overlapping windows share an argmax.",
    "max_pool_overwritten": "where overlapping windows (stride < kernel_size) share their "
                            "maximum, only one window's gradient arrived: grad_x[index] += g "
                            "with repeated indices adds once; use np.add.at, which adds them "
                            "all.",
    "max_pool_every_tie": "every entry equal to the window's maximum got the gradient: on a "
                          "tie only the first maximum in row-major order gets it (np.argmax's "
                          "choice, and PyTorch's).",
    "avg_pool": "out[n, c, i, j] = the mean of the window x[n, c, s*i:s*i+k, s*j:s*j+k] "
                "(stride s defaults to k); every entry of a window gets 1/k**2 of its "
                "gradient, added up where windows overlap.",
    # Part 5.7
    "state_dict_names": "state_dict names every Tensor attribute (parameters and the others, "
                        "e.g. running_mean) by its attribute path: 'head.weight' for a "
                        "sub-module's, 'layers.0.weight' for a module in a list (Sequential's "
                        "layers), and the value is that Tensor's data.",
    "load_state_dict": "load_state_dict copies every array into the Tensor of that name, in "
                       "place (t.data[...] = value), so the model keeps the same Tensor "
                       "objects and an optimizer built before the call still updates them.",
    "load_state_dict_errors": "compare the names before copying anything: raise an error "
                              "naming every missing and every unexpected key, and one naming "
                              "the key (and both shapes) when an array's shape differs from "
                              "its Tensor's, even when numpy could broadcast it.",
    "save_npz": "mytorch.save writes the arrays to exactly the path given as an .npz archive "
                "(np.savez on a file opened with open(path, 'wb')); mytorch.load reads it "
                "back with np.load(path, allow_pickle=False) into a dict.",
    "data_loader_batches": "a DataLoader yields ceil(N / batch_size) batches (N // batch_size "
                           "with drop_last) of constant Tensors: one Tensor per batch for an "
                           "array, a tuple (x, y) for a tuple of arrays, rows taken with the "
                           "same indices from every array; in order when shuffle is False.",
    "data_loader_shuffle": "with shuffle, every epoch (every for loop over the loader) draws "
                           "a new permutation of the N samples from the loader's own "
                           "np.random.default_rng(seed), made once in __init__: the same seed "
                           "gives the same epochs, and successive epochs differ.",

    # Part 5.8: toy tasks
    "toys_model": "return the trained Sequential of Linear layers and activations: 2 inputs, 2 "
                  "logits, each Linear's weight (out, in) and bias (out,) as float arrays.",
    "toys_training": "fit() runs at least a few steps of zero_grad, forward, CrossEntropyLoss, "
                     "backward and SGD's step, and the loss must go down.",
    "toys_accuracy": "check the dataset (XOR's label is 1 where the corner's signs differ; the "
                     "lower moon is (1 - cos t, 0.5 - sin t)), that x and y stay paired, a ReLU "
                     "between the Linear layers, and zero_grad before each backward.",
    "toys_plot": "xor() and moons() pass their plot_path to plot_decision_boundary (given).",
    # Part 5.9: the graph picture
    "viz_form": "graph(t) returns (nodes, edges): nodes a list of Node(name, shape) (shape None "
                "for a Function), edges a list of (i, j) index pairs into nodes.",
    "viz_once": "a node reached along several paths is one node: remember the nodes already "
                "seen (a BackwardFunction by identity, a leaf by its tensor, "
                "AccumulateGrad.variable: each use of a leaf has its own AccumulateGrad).",
    "viz_walk": "start at t.grad_fn (a tensor without one is a single leaf node), follow every "
                "non-None entry of next_functions down to the leaves; a Function's node is "
                "named grad_fn.function_name, a leaf's node is ('leaf', its shape).",
    "viz_edges": "one edge (i, j) per non-None entry of node i's next_functions, pointing to that "
                 "entry's node j: a + a has two edges to a.",
    "viz_draw": "draw(t, path) writes the picture to path as a PNG (matplotlib: "
                "figure.savefig(path)).",
}


def shape_mismatch(got: Sequence[int], expected: Sequence[int]) -> str:
    """The hint for a result of shape ``got`` where ``expected`` was due: unbroadcast only
    when it is larger."""
    got_size, expected_size = _size(got), _size(expected)
    leading_axes = len(got) > len(expected) and tuple(got[len(got) - len(expected):]) == tuple(expected)
    if got_size > expected_size or leading_axes:
        return HINTS["shape_larger"]
    if got_size < expected_size:
        return HINTS["shape_smaller"]
    return HINTS["shape_rearranged"]


def _size(shape: Sequence[int]) -> int:
    size = 1
    for n in shape:
        size *= int(n)
    return size
