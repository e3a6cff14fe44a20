/**
 * The raw exports of the wasm engine. Must match assembly/index.ts: test/engine/exports.test.ts
 * checks that both sides list the same names.
 *
 * Every pointer is a byte offset into the engine's memory; every length is a count of elements.
 * Nothing here checks its arguments: call the wrappers in src/engine/kernels/ instead.
 * @internal
 */
export interface KernelExports {
  heap_base(): number;

  f32_gemm_workspace_bytes(): number;
  f32_gemm(
    transA: number,
    transB: number,
    M: number,
    N: number,
    K: number,
    alpha: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    beta: number,
    c: number,
    ldc: number,
    bias: number,
    act: number,
    actAlpha: number,
    ws: number,
  ): void;

  f32_activation(kind: number, x: number, y: number, n: number, alpha: number): void;
  f32_activation_grad(kind: number, y: number, dy: number, dx: number, n: number, alpha: number): void;
  f32_activation_grad_input(kind: number, x: number, dy: number, dx: number, n: number, alpha: number): void;
  f32_softmax(x: number, y: number, rows: number, cols: number): void;
  f32_softmax_grad(y: number, dy: number, dx: number, rows: number, cols: number): void;

  f32_gather_rows(src: number, idx: number, count: number, cols: number, dst: number): void;
  x32_gather(src: number, idx: number, count: number, dst: number): void;
  f32_gather_sum(src: number, idx: number, count: number): number;
  u8_to_f32(src: number, n: number, divisor: number, dst: number): void;
  u8_gather_rows_f32(src: number, idx: number, count: number, cols: number, divisor: number, dst: number): void;

  f32_count_correct(out: number, rows: number, cols: number, labelsI32: number, labelsF32: number, weights: number): number;
  f32_regression_error_sum(
    kind: number,
    pred: number,
    target: number,
    weights: number,
    rows: number,
    cols: number,
    epsilon: number,
    scale: number,
    shift: number,
  ): number;

  f32_exp(x: number): number;
  f32_expm1(x: number): number;
  f32_tanh(x: number): number;
  f32_sigmoid(x: number): number;

  bench_simd_peak(iters: number, ws: number): number;
  bench_simd_peak_flops_per_iter(): number;
  bench_simd_peak_workspace_bytes(): number;

  f32_strided_copy(src: number, srcLd: number, dst: number, dstLd: number, rows: number, cols: number): void;

  f32_add(a: number, b: number, out: number, n: number): void;
  f32_mul(a: number, b: number, out: number, n: number): void;
  f32_axpy(alpha: number, x: number, y: number, n: number): void;
  f32_scale(x: number, out: number, n: number, alpha: number): void;
  f32_fill(x: number, n: number, value: number): void;
  f32_add_bias_rows(x: number, bias: number, rows: number, cols: number): void;
  f32_col_sum(x: number, rows: number, cols: number, out: number, accumulate: number): void;
  f32_sum(x: number, n: number): number;
  f32_sum_squares(x: number, n: number): number;
  f32_row_argmax(x: number, rows: number, cols: number, out: number): void;
  f32_reduce_slots(src: number, slotStrideFloats: number, count: number, dst: number, n: number): void;
  f32_find_nonfinite(x: number, n: number): number;
  f32_l1l2(w: number, g: number, n: number, l1: number, l2: number): number;

  f32_log(x: number): number;
  f32_log1p(x: number): number;

  f32_softmax_cross_entropy(logits: number, labels: number, weights: number, rows: number, cols: number, probs: number, grad: number, scale: number): number;
  f32_softmax_cross_entropy_sparse(
    logits: number,
    labels: number,
    weights: number,
    rows: number,
    cols: number,
    probs: number,
    grad: number,
    scale: number,
  ): number;
  f32_sigmoid_binary_cross_entropy(
    logits: number,
    labels: number,
    weights: number,
    rows: number,
    cols: number,
    probs: number,
    grad: number,
    scale: number,
  ): number;
  f32_mean_squared_error(pred: number, target: number, weights: number, rows: number, cols: number, grad: number, scale: number): number;
  f32_mean_absolute_error(pred: number, target: number, weights: number, rows: number, cols: number, grad: number, scale: number): number;
  f32_huber(pred: number, target: number, weights: number, rows: number, cols: number, grad: number, scale: number, delta: number): number;
  f32_log_cosh(pred: number, target: number, weights: number, rows: number, cols: number, grad: number, scale: number): number;
  f32_custom_loss_reduce(losses: number, weights: number, rows: number, cols: number, grad: number, scale: number): number;
  f32_cross_entropy_probs(probs: number, labels: number, weights: number, rows: number, cols: number, grad: number, scale: number, epsilon: number): number;
  f32_binary_cross_entropy_probs(
    probs: number,
    labels: number,
    weights: number,
    rows: number,
    cols: number,
    grad: number,
    scale: number,
    epsilon: number,
  ): number;

  f32_sgd(p: number, g: number, n: number, lr: number, weightDecay: number, out: number): void;
  f32_sgd_momentum(
    p: number,
    g: number,
    buf: number,
    n: number,
    lr: number,
    momentum: number,
    dampening: number,
    nesterov: number,
    weightDecay: number,
    firstStep: number,
    out: number,
  ): void;
  f32_rmsprop(
    p: number,
    g: number,
    sq: number,
    mom: number,
    gavg: number,
    n: number,
    lr: number,
    alpha: number,
    eps: number,
    weightDecay: number,
    momentum: number,
    centered: number,
    out: number,
  ): void;
  f32_adam(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: number,
    biasCorrection1: number,
    biasCorrection2: number,
    out: number,
  ): void;
  f32_adagrad(p: number, g: number, acc: number, n: number, lr: number, eps: number, initialAccumulator: number, firstStep: number, out: number): void;
  f32_adamax(
    p: number,
    g: number,
    m: number,
    u: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    biasCorrection1: number,
    out: number,
  ): void;
  f32_nadam(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    coefM: number,
    coefG: number,
    biasCorrection2: number,
    out: number,
  ): void;
  f32_clip_by_global_norm(g: number, n: number, maxNorm: number): number;

  f32_augment_workspace_bytes(h: number, w: number, c: number): number;
  f32_augment(
    src: number,
    dst: number,
    rows: number,
    h: number,
    w: number,
    c: number,
    ops: number,
    nOps: number,
    seed: number,
    epoch: number,
    index0: number,
    indices: number,
    fill: number,
    ws: number,
    params: number,
  ): void;

  f32_dropout_forward(x: number, y: number, rows: number, cols: number, rate: number, seed: number, step: number, rowOffset: number): void;
  f32_dropout_backward(dy: number, dx: number, rows: number, cols: number, rate: number, seed: number, step: number, rowOffset: number): void;
  f32_random_uniform(out: number, n: number, seed: number, stream: number, offset: number): void;
  f32_random_normal(out: number, n: number, seed: number, stream: number, offset: number, mean: number, std: number): void;

  f32_bn_moments(x: number, rows: number, cols: number, mean: number, m2: number): void;
  f32_bn_merge(meanA: number, m2A: number, nA: number, meanB: number, m2B: number, nB: number, cols: number): void;
  f32_bn_normalize(x: number, y: number, rows: number, cols: number, mean: number, variance: number, gamma: number, beta: number, eps: number): void;
  f32_bn_backward_sums(
    dy: number,
    x: number,
    rows: number,
    cols: number,
    mean: number,
    variance: number,
    eps: number,
    sumDy: number,
    sumDyXhat: number,
    accumulate: number,
  ): void;
  f32_bn_backward(
    dy: number,
    x: number,
    dx: number,
    rows: number,
    cols: number,
    mean: number,
    variance: number,
    eps: number,
    gamma: number,
    sumDy: number,
    sumDyXhat: number,
    count: number,
  ): void;
  f32_bn_update_moving(movingMean: number, movingVar: number, mean: number, variance: number, cols: number, momentum: number): void;

  f32_dead_columns(y: number, rows: number, cols: number, scratch: number): number;
  f32_count_outside(x: number, n: number, lo: number, hi: number): number;

  // convolutions (NHWC); geometry: batch, input h/w/c, output channels (or depth multiplier), filter, strides, dilations, top/left padding, output h/w
  f32_conv2d_forward(
    x: number,
    wt: number,
    bias: number,
    y: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oc: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dh: number,
    dw: number,
    pt: number,
    pl: number,
    oh: number,
    ow: number,
    act: number,
    actAlpha: number,
    col: number,
    colRows: number,
    ws: number,
    /** Paths other than im2col + gemm allowed: 1 direct (thin filters), 2 Winograd (3x3, stride 1). */
    fast: number,
  ): void;
  f32_conv2d_backward_input(
    dy: number,
    wt: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oc: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dh: number,
    dw: number,
    pt: number,
    pl: number,
    oh: number,
    ow: number,
    col: number,
    colRows: number,
    ws: number,
    fast: number,
  ): void;
  f32_conv2d_backward_filter(
    x: number,
    dy: number,
    dwt: number,
    dbias: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oc: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dh: number,
    dw: number,
    pt: number,
    pl: number,
    oh: number,
    ow: number,
    col: number,
    colRows: number,
    ws: number,
    fast: number,
  ): void;
  f32_depthwise_conv2d_forward(
    x: number,
    wt: number,
    bias: number,
    y: number,
    n: number,
    h: number,
    w: number,
    c: number,
    dm: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dh: number,
    dw: number,
    pt: number,
    pl: number,
    oh: number,
    ow: number,
    act: number,
    actAlpha: number,
  ): void;
  f32_depthwise_conv2d_backward_input(
    dy: number,
    wt: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    c: number,
    dm: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dh: number,
    dw: number,
    pt: number,
    pl: number,
    oh: number,
    ow: number,
  ): void;
  f32_depthwise_conv2d_backward_filter(
    x: number,
    dy: number,
    dwt: number,
    dbias: number,
    n: number,
    h: number,
    w: number,
    c: number,
    dm: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dh: number,
    dw: number,
    pt: number,
    pl: number,
    oh: number,
    ow: number,
  ): void;
  bench_conv2d_direct(
    x: number,
    wt: number,
    bias: number,
    y: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oc: number,
    kh: number,
    kw: number,
    oh: number,
    ow: number,
  ): void;
  // pooling, zero padding and spatial dropout (issue 12, non-convolution part)
  f32_maxpool2d_forward(
    x: number,
    y: number,
    argmax: number,
    rows: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    ph: number,
    pw: number,
    sy: number,
    sx: number,
    padTop: number,
    padLeft: number,
  ): void;
  f32_maxpool2d_backward(dy: number, argmax: number, dx: number, rows: number, h: number, w: number, c: number, oh: number, ow: number): void;
  f32_avgpool2d_forward(
    x: number,
    y: number,
    rows: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    ph: number,
    pw: number,
    sy: number,
    sx: number,
    padTop: number,
    padLeft: number,
  ): void;
  f32_avgpool2d_backward(
    dy: number,
    dx: number,
    rows: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    ph: number,
    pw: number,
    sy: number,
    sx: number,
    padTop: number,
    padLeft: number,
  ): void;
  f32_pad2d_forward(x: number, y: number, rows: number, h: number, w: number, c: number, top: number, bottom: number, left: number, right: number): void;
  f32_pad2d_backward(dy: number, dx: number, rows: number, h: number, w: number, c: number, top: number, bottom: number, left: number, right: number): void;
  f32_spatial_dropout_forward(
    x: number,
    y: number,
    rows: number,
    pixels: number,
    channels: number,
    rate: number,
    seed: number,
    step: number,
    rowOffset: number,
  ): void;
  f32_spatial_dropout_backward(
    dy: number,
    dx: number,
    rows: number,
    pixels: number,
    channels: number,
    rate: number,
    seed: number,
    step: number,
    rowOffset: number,
  ): void;
}
