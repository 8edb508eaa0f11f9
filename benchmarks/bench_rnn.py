"""Vanilla RNN forward and backpropagation through time: c182lib vs torch.nn.RNN.

N=64 sequences of T=100 steps, D=H=128, float64. The forward pass costs 2·N·T·H·(D+H) FLOPs
(input and recurrent products), backward twice that (dx and dW_xh, dh_prev and dW_hh), so
forward+BPTT is 6·N·T·H·(D+H) ≈ 1.26 GFLOP. The recurrent products are small (64x128 by 128x128),
one per step, so neither library gets close to the large-matmul ceiling.
"""

from __future__ import annotations

import numpy as np

from c182lib.rnn import rnn_backward, rnn_forward

from ._timing import interleaved, report_row, torch

N, T, D, H = 64, 100, 128, 128


def run(matmul_gflops: float) -> None:
    """Print forward and forward+BPTT times of the RNN against torch.nn.RNN, with GFLOP/s."""
    rng = np.random.default_rng(0)
    bound = 1 / np.sqrt(H)
    W_xh = rng.uniform(-bound, bound, (H, D))
    W_hh = rng.uniform(-bound, bound, (H, H))
    b_h = rng.uniform(-bound, bound, H)
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    dh = rng.standard_normal((N, T, H))
    forward_flops = 2 * N * T * H * (D + H)
    total_flops = 3 * forward_flops

    def c182_forward():
        return rnn_forward(x, h0, W_xh, W_hh, b_h)

    def c182_forward_backward():
        _, cache = rnn_forward(x, h0, W_xh, W_hh, b_h)
        return rnn_backward(dh, cache)

    forward = {"c182lib rnn_forward (a loop of rnn_step_forward)": c182_forward}
    both = {"c182lib rnn_forward + rnn_backward": c182_forward_backward}

    if torch is not None:
        rnn = torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True, dtype=torch.float64)
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(torch.from_numpy(W_xh))
            rnn.weight_hh_l0.copy_(torch.from_numpy(W_hh))
            rnn.bias_ih_l0.copy_(torch.from_numpy(b_h))
            rnn.bias_hh_l0.zero_()
        x_t = torch.from_numpy(x).requires_grad_()
        h0_t = torch.from_numpy(h0)[None].clone().requires_grad_()
        dh_t = torch.from_numpy(dh)

        def torch_forward():
            with torch.no_grad():
                return rnn(x_t, h0_t)

        def torch_forward_backward():
            for tensor in (x_t, h0_t, *rnn.parameters()):
                tensor.grad = None
            out, _ = rnn(x_t, h0_t)
            out.backward(dh_t)

        forward["torch.nn.RNN forward (no_grad)"] = torch_forward
        both["torch.nn.RNN forward + backward"] = torch_forward_backward
    else:
        print("PyTorch not installed: NumPy rows only")

    print(f"N={N}, T={T}, D={D}, H={H}, float64; median of interleaved rounds")
    for title, candidates, flops in (("forward", forward, forward_flops),
                                     ("forward + BPTT", both, total_flops)):
        times = interleaved(candidates)
        torch_name = next((name for name in candidates if name.startswith("torch")), None)
        baseline = times[torch_name] if torch_name else None
        print(f" {title} ({flops / 1e9:.2f} GFLOP)")
        for name, timing in times.items():
            gflops = flops / timing.median / 1e9
            print(report_row(name, timing, baseline, "torch")
                  + f"   {gflops:6.1f} GFLOP/s = {gflops / matmul_gflops:5.1%} of matmul")
