package dev.apiary;

/**
 * A worker, layer or configuration value is invalid. The message names the worker, bean or key at fault and what
 * to do; in a container it fails the deployment.
 */
public class ConfigurationException extends ApiaryException {

    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
