/**
 * Arrays and how close two of them are, for product code and tests alike.
 *
 * <ul>
 *   <li>{@link dev.htdemucs.numerics.Npy} / {@link dev.htdemucs.numerics.NpyArray}: {@code .npy} I/O.</li>
 *   <li>{@link dev.htdemucs.numerics.Metrics} / {@link dev.htdemucs.numerics.Comparison}: max/mean absolute
 *       error, SNR and SI-SDR between a reference and a test signal.</li>
 *   <li>{@link dev.htdemucs.numerics.Signals}: silence, sines and seeded noise.</li>
 * </ul>
 */
package dev.htdemucs.numerics;
