/**
 * The pure-Java reference runtime, plugin name {@code reference}: executes an IR graph op by op in float32,
 * as the yardstick that exported models are compared against.
 *
 * <ul>
 *   <li>{@link dev.htdemucs.runtime.reference.ReferenceRuntime}: the {@link dev.htdemucs.spi.ModelRuntime} plugin
 *       (registered in {@code META-INF/services}); opens graphs, optionally with a precision plan.</li>
 *   <li>{@link dev.htdemucs.runtime.reference.ReferenceSession}: runs a graph; checks inputs, releases values
 *       after their last use, captures intermediate values by node name, emulates fp16 storage, profiles
 *       time per op.</li>
 *   <li>{@code kernel}: one {@code <Op>Kernel} class per IR op ({@code conv} → {@code ConvKernel}) in
 *       {@link dev.htdemucs.runtime.reference.kernel.KernelTable}, and the shared numerical engines:
 *       {@link dev.htdemucs.runtime.reference.kernel.MatMulCore} (every matrix product),
 *       {@link dev.htdemucs.runtime.reference.kernel.Erf}, {@link dev.htdemucs.runtime.reference.kernel.Exp}.</li>
 * </ul>
 */
package dev.htdemucs.runtime.reference;
