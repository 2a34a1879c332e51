package dev.sluice;

/** The model is inconsistent or uses something this build does not support; the message names the tensor or key. */
public class ModelFormatException extends SluiceException {
    public ModelFormatException(String message) {
        super(message);
    }
}
