/**
 * Safe reading of torch.save checkpoints (zip format, torch 1.6 and later) and of demucs model packages.
 *
 * <p>Entry point: {@link dev.htdemucs.pytorch.checkpoint.Checkpoint#open(java.nio.file.Path)}. Layers:
 * {@link dev.htdemucs.pytorch.checkpoint.ZipArchive} (central directory, memory-mapped STORED entries),
 * {@link dev.htdemucs.pytorch.checkpoint.TorchArchive} (torch's archive layout and storage persistent ids),
 * {@link dev.htdemucs.pytorch.checkpoint.SafeUnpickler} (pickle opcodes, data only) with its allow/deny
 * decisions in {@code GlobalPolicy}, and {@link dev.htdemucs.pytorch.checkpoint.StoredTensor} (a strided
 * view of a storage, convertible to an IR {@link dev.htdemucs.ir.Tensor} without copying).
 *
 * <p>No Python, no code named in the file is ever executed: classes are kept as
 * {@link dev.htdemucs.pytorch.checkpoint.ClassRef} names and their instances as inert
 * {@link dev.htdemucs.pytorch.checkpoint.PickledObject}s.
 */
package dev.htdemucs.pytorch.checkpoint;
