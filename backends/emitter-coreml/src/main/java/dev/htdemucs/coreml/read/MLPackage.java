package dev.htdemucs.coreml.read;

import dev.htdemucs.coreml.proto.MlModel;
import dev.htdemucs.spi.LoadedModel;

import java.nio.file.Path;

/**
 * An .mlpackage read back: the IR graph of its main function (fp16 where the package computes in fp16) with
 * the metadata from its userDefined entries, plus the raw model specification.
 */
public record MLPackage(Path path, LoadedModel model, MlModel.Model specification, String opset) {
    public int specificationVersion() { return specification.getSpecificationVersion(); }

    public MlModel.Metadata metadata() { return specification.getDescription().getMetadata(); }
}
