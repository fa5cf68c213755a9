package dev.htdemucs.dsp;

/**
 * A complex spectrogram block of {@code bins × frames} values held as two real planes inside one
 * {@code float[]}: the real part of bin {@code k}, frame {@code t} is at
 * {@code data[realOffset + k * frames + t]}, the imaginary part at {@code data[imagOffset + k * frames + t]}.
 *
 * <p>This one layout covers both of our conventions without copying: the {@code [F, T]} real/imaginary
 * planes of {@code torch.view_as_real(torch.stft(...))} moved to the front, and one audio channel of a
 * demucs "complex as channels" (CaC) tensor {@code [2C, F, T]}, where channel {@code 2c} is the real
 * plane and channel {@code 2c + 1} the imaginary plane of audio channel {@code c}
 * (see {@link #ofCacChannel}).
 */
public record ComplexPlanes(float[] data, int realOffset, int imagOffset, int bins, int frames) {

    public ComplexPlanes {
        if (data == null) throw new IllegalArgumentException("spectrogram data is null");
        if (bins <= 0 || frames <= 0) {
            throw new IllegalArgumentException("spectrogram needs bins > 0 and frames > 0, got bins=" + bins
                    + ", frames=" + frames);
        }
        long plane = (long) bins * frames;
        checkPlane("real", realOffset, plane, data.length);
        checkPlane("imaginary", imagOffset, plane, data.length);
        if (Math.abs((long) realOffset - imagOffset) < plane) {
            throw new IllegalArgumentException("real plane at " + realOffset + " and imaginary plane at "
                    + imagOffset + " overlap (plane size " + plane + ")");
        }
    }

    private static void checkPlane(String which, int offset, long plane, int length) {
        if (offset < 0 || offset + plane > length) {
            throw new IllegalArgumentException(which + " plane [" + offset + ", " + (offset + plane)
                    + ") lies outside the array of length " + length);
        }
    }

    /** Fresh zeroed planes, real first then imaginary: {@code float[2][bins][frames]} in C order. */
    public static ComplexPlanes allocate(int bins, int frames) {
        long plane = (long) bins * frames;
        if (2 * plane > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("spectrogram of " + bins + " x " + frames + " is too large");
        }
        return new ComplexPlanes(new float[(int) (2 * plane)], 0, (int) plane, bins, frames);
    }

    /**
     * Audio channel {@code channel} of a CaC tensor {@code [2C, bins, frames]} starting at {@code offset}
     * of {@code data}: its real plane is CaC channel {@code 2·channel}, its imaginary plane the next one.
     */
    public static ComplexPlanes ofCacChannel(float[] data, int offset, int channel, int bins, int frames) {
        int plane = Math.multiplyExact(bins, frames);
        int real = Math.addExact(offset, Math.multiplyExact(2 * channel, plane));
        return new ComplexPlanes(data, real, real + plane, bins, frames);
    }

    public float real(int bin, int frame) { return data[realOffset + bin * frames + frame]; }

    public float imag(int bin, int frame) { return data[imagOffset + bin * frames + frame]; }
}
