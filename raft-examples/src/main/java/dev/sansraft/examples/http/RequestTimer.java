package dev.sansraft.examples.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * A server filter that times every request into {@link HttpRequestMetrics}: from the filter's entry to the moment the
 * handler sends the response headers, which is when the status is known. Handlers answer asynchronously (after Raft
 * commits), so the filter hands them an exchange that records in {@code sendResponseHeaders} rather than timing the
 * filter chain.
 *
 * <p>Thread-safe; one {@link TimedExchange} per request.
 */
final class RequestTimer extends Filter {

    private final HttpRequestMetrics metrics;

    RequestTimer(HttpRequestMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        chain.doFilter(new TimedExchange(exchange, System.nanoTime(), metrics));
    }

    @Override
    public String description() {
        return "records sansraft_http_request_seconds";
    }

    /** Delegates everything; records the request's time and status when the response headers go out. */
    private static final class TimedExchange extends HttpExchange {
        private final HttpExchange delegate;
        private final long startNanos;
        private final HttpRequestMetrics metrics;

        TimedExchange(HttpExchange delegate, long startNanos, HttpRequestMetrics metrics) {
            this.delegate = delegate;
            this.startNanos = startNanos;
            this.metrics = metrics;
        }

        @Override
        public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
            try {
                delegate.sendResponseHeaders(rCode, responseLength);
            } finally {
                metrics.record(delegate.getRequestMethod(), rCode, System.nanoTime() - startNanos);
            }
        }

        @Override
        public Headers getRequestHeaders() {
            return delegate.getRequestHeaders();
        }

        @Override
        public Headers getResponseHeaders() {
            return delegate.getResponseHeaders();
        }

        @Override
        public URI getRequestURI() {
            return delegate.getRequestURI();
        }

        @Override
        public String getRequestMethod() {
            return delegate.getRequestMethod();
        }

        @Override
        public HttpContext getHttpContext() {
            return delegate.getHttpContext();
        }

        @Override
        public void close() {
            delegate.close();
        }

        @Override
        public InputStream getRequestBody() {
            return delegate.getRequestBody();
        }

        @Override
        public OutputStream getResponseBody() {
            return delegate.getResponseBody();
        }

        @Override
        public InetSocketAddress getRemoteAddress() {
            return delegate.getRemoteAddress();
        }

        @Override
        public int getResponseCode() {
            return delegate.getResponseCode();
        }

        @Override
        public InetSocketAddress getLocalAddress() {
            return delegate.getLocalAddress();
        }

        @Override
        public String getProtocol() {
            return delegate.getProtocol();
        }

        @Override
        public Object getAttribute(String name) {
            return delegate.getAttribute(name);
        }

        @Override
        public void setAttribute(String name, Object value) {
            delegate.setAttribute(name, value);
        }

        @Override
        public void setStreams(InputStream i, OutputStream o) {
            delegate.setStreams(i, o);
        }

        @Override
        public HttpPrincipal getPrincipal() {
            return delegate.getPrincipal();
        }
    }
}
