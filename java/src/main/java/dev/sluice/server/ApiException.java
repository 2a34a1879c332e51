package dev.sluice.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.helidon.http.Status;

/**
 * A request the server refuses, as OpenAI reports it: an HTTP status and an error object
 * {@code {"error": {"message", "type", "param", "code"}}}. The message is for the client, so it never
 * carries a stack trace or internal detail.
 */
final class ApiException extends RuntimeException {
    private final Status status;
    private final String type;
    private final String param;
    private final String code;
    private final int retryAfterSeconds;

    private ApiException(Status status, String type, String param, String code, String message, int retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: a malformed body, a wrong type or an out-of-range value; {@code param} names the field, or null. */
    static ApiException invalid(String param, String message) {
        return new ApiException(Status.BAD_REQUEST_400, "invalid_request_error", param, null, message, 0);
    }

    static ApiException unauthorized() {
        return new ApiException(Status.UNAUTHORIZED_401, "invalid_request_error", null, "invalid_api_key",
                "missing or wrong API key: send the header 'Authorization: Bearer KEY'", 0);
    }

    static ApiException notFound(String message) {
        return new ApiException(Status.NOT_FOUND_404, "invalid_request_error", null, "not_found", message, 0);
    }

    static ApiException tooLarge(long limit) {
        return new ApiException(Status.REQUEST_ENTITY_TOO_LARGE_413, "invalid_request_error", null,
                "request_too_large", "the request body is larger than the limit of " + limit + " bytes", 0);
    }

    /** 429: every slot busy and the wait queue full; the client should retry later. */
    static ApiException busy(int retryAfterSeconds) {
        return new ApiException(Status.TOO_MANY_REQUESTS_429, "rate_limit_error", null, "rate_limit_exceeded",
                "the server is busy: all slots are taken and the wait queue is full", retryAfterSeconds);
    }

    /** 503: the request waited past its time limit, or the server is shutting down. */
    static ApiException unavailable(String message, int retryAfterSeconds) {
        return new ApiException(Status.SERVICE_UNAVAILABLE_503, "server_error", null, "unavailable", message,
                retryAfterSeconds);
    }

    static ApiException internal() {
        return new ApiException(Status.INTERNAL_SERVER_ERROR_500, "server_error", null, null,
                "the server failed to process the request", 0);
    }

    Status status() {
        return status;
    }

    /** Seconds for a {@code Retry-After} header, or 0 for none. */
    int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    ErrorBody body() {
        return new ErrorBody(new ErrorBody.Detail(getMessage(), type, param, code));
    }

    /** The JSON shape of an OpenAI error; null fields are written as null, as OpenAI does. */
    record ErrorBody(Detail error) {
        @JsonInclude(JsonInclude.Include.ALWAYS)
        record Detail(String message, String type, String param, String code) {}
    }
}
