/**
 * The golden data produced by PyTorch HTDemucs, as the app uses it: {@link dev.htdemucs.golden.Golden} finds the
 * bundled {@code tiny6} set (the default model of {@code convert} and {@code validate}, and the inputs its PyTorch
 * outputs come from) and the optional full-size {@code htdemucs_6s} set ({@code bench}); a
 * {@link dev.htdemucs.golden.GoldenSet} reads its files. This module holds only the tiny6 files the app reads;
 * module {@code fixtures} adds the ones only tests read. Reading and comparing arrays is module {@code numerics}.
 */
package dev.htdemucs.golden;
