package dev.htdemucs.coreml;

import dev.htdemucs.coreml.mil.MilTypes;
import dev.htdemucs.coreml.proto.FeatureTypes;
import dev.htdemucs.coreml.proto.MlModel;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.InnerNetworkNames;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.Options;

import java.util.Map;
import java.util.TreeMap;

/**
 * The model description: typed inputs and outputs with short descriptions, and metadata (author, version,
 * license, and the {@link MetadataKeys userDefined} entries a host needs).
 */
final class ModelDescriptions {
    static final String DEFAULT_AUTHOR = "Meta AI Research (demucs); converted with " + ConverterVersion.NAME;
    static final String DEFAULT_LICENSE = "demucs code: MIT; model weights: see the license of the checkpoint they come from";

    private ModelDescriptions() {}

    static MlModel.FeatureDescription feature(String name, TensorType type, String description) {
        FeatureTypes.ArrayFeatureType.Builder array = FeatureTypes.ArrayFeatureType.newBuilder()
                .setDataType(MilTypes.arrayDataType(type.dtype()));
        for (int d : type.shape()) array.addShape(d);
        return MlModel.FeatureDescription.newBuilder().setName(name).setShortDescription(description)
                .setType(FeatureTypes.FeatureType.newBuilder().setMultiArrayType(array)).build();
    }

    /** A short description for the canonical input/output names, a generic one otherwise. */
    static String describe(String name, Value v, ModelMetadata meta, boolean input) {
        String shape = v.type().toString();
        String rate = meta != null && meta.sampleRate() > 0 ? " at " + meta.sampleRate() + " Hz" : "";
        String sources = meta != null && !meta.sources().isEmpty() ? " (" + String.join(", ", meta.sources()) + ")" : "";
        return switch (name) {
            case InnerNetworkNames.MIX -> "Mixture waveform " + shape + " [batch, channels, samples]" + rate;
            case InnerNetworkNames.SPEC -> "Spectrogram of mix, complex as channels " + shape
                    + " [batch, 2*channels (c0.re, c0.im, c1.re, ...), nfft/2 bins, frames]; see metadata 'stft'";
            case InnerNetworkNames.SPEC_OUT -> "Spectral-branch output per source" + sources + " " + shape
                    + " [batch, sources, 2*channels, bins, frames], complex as channels; the host applies iSTFT";
            case InnerNetworkNames.WAVE_OUT -> "Time-branch output per source" + sources + " " + shape
                    + " [batch, sources, channels, samples]; the host adds it to the iSTFT of spec_out";
            case "output" -> "Separated sources" + sources + " " + shape + " [batch, sources, channels, samples]";
            default -> (input ? "Input " : "Output ") + shape;
        };
    }

    static MlModel.Metadata metadata(ModelMetadata meta, Options options, CoreMLTarget target, String precisionSummary) {
        Map<String, String> user = new TreeMap<>();
        if (meta != null) {
            user.put(MetadataKeys.ARCHITECTURE, meta.architecture());
            user.put(MetadataKeys.SOURCES, String.join(",", meta.sources()));
            user.put(MetadataKeys.SAMPLE_RATE, Integer.toString(meta.sampleRate()));
            user.put(MetadataKeys.AUDIO_CHANNELS, Integer.toString(meta.audioChannels()));
            user.put(MetadataKeys.SEGMENT_SAMPLES, Integer.toString(meta.segmentSamples()));
            user.put(MetadataKeys.NFFT, Integer.toString(meta.nfft()));
            user.put(MetadataKeys.HOP, Integer.toString(meta.hop()));
            if (meta.hop() > 0) user.put(MetadataKeys.FRAMES, Integer.toString(meta.frames()));
            if (meta.nfft() > 0) user.put(MetadataKeys.STFT, stftDescription(meta));
            meta.hyperParameters().forEach((k, v) -> user.put(MetadataKeys.KWARGS_PREFIX + k, v));
        }
        user.put(MetadataKeys.CONVERTER, ConverterVersion.NAME);
        user.put(MetadataKeys.CONVERTER_VERSION, ConverterVersion.version());
        user.put(MetadataKeys.PRECISION, precisionSummary);
        user.put(MetadataKeys.TARGET, target.option());
        String architecture = meta != null ? meta.architecture() : "model";
        return MlModel.Metadata.newBuilder()
                .setShortDescription(architecture + " music source separation network"
                        + (meta != null && !meta.sources().isEmpty() ? " (" + String.join(", ", meta.sources()) + ")" : "")
                        + ", converted by " + ConverterVersion.NAME + "; the STFT and iSTFT run on the host (metadata 'stft')")
                .setVersionString(options.get("version", ConverterVersion.version()))
                .setAuthor(options.get("author", DEFAULT_AUTHOR))
                .setLicense(options.get("license", DEFAULT_LICENSE))
                .putAllUserDefined(user)
                .build();
    }

    /** The STFT framing of demucs' HTDemucs._spec/_ispec, with this model's numbers. */
    static String stftDescription(ModelMetadata m) {
        int nfft = m.nfft(), hop = m.hop();
        return "spec = HTDemucs._magnitude(HTDemucs._spec(mix)): reflect-pad mix by " + (hop / 2 * 3) + " samples left and "
                + (hop / 2 * 3) + " + (frames*" + hop + " - length) right (frames = ceil(length/" + hop + ")); "
                + "torch.stft(n_fft=" + nfft + ", hop_length=" + hop + ", window=hann(" + nfft + "), normalized=True, center=True, "
                + "pad_mode=reflect); drop the Nyquist bin (keep " + (nfft / 2) + " bins) and keep frames 2 .. 2+frames; "
                + "complex as channels: c0.re, c0.im, c1.re, c1.im, ... "
                + "Host output = HTDemucs._ispec(spec_out as complex, length) + wave_out: zero-pad one bin and 2 frames each side, "
                + "torch.istft with the same window/normalisation, crop " + (hop / 2 * 3) + " samples at the start.";
    }
}
