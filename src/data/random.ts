/**
 * Seeded randomness for the data pipeline's JavaScript side (splits, folds, oversampling): the
 * library's shared helpers. Augmentation draws its randomness inside the kernels instead
 * (assembly/kernels/f32_augment.ts).
 * @internal
 */
export { checkSeed, range, seededRandom, shuffleInPlace } from '../util/random';
