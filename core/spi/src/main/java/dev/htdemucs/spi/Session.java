package dev.htdemucs.spi;

import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;

import java.util.Map;

/** An opened model: feed named tensors, get named tensors. Not necessarily thread-safe. */
public interface Session extends AutoCloseable {
    Map<String, TensorType> inputTypes();

    Map<String, TensorType> outputTypes();

    Map<String, Tensor> run(Map<String, Tensor> inputs) throws PluginException;

    @Override void close() throws PluginException;
}
