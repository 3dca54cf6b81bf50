package dev.sansraft.examples.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The lean plain-HTTP server on raw sockets: framing (length, chunked, pipelining, 100-continue), the bounds, and
 * what a malformed request gets. The API's own behaviour over it is covered by {@code KvApiHandlerTest} and the
 * cluster tests.
 */
class PlainHttpServerTest {
    private static final int MAX_BODY = 1000;

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private PlainHttpServer server;

    /** Answers {@code METHOD PATH BODYLENGTH BODY}; {@code /throw} throws; {@code /silent} closes unanswered. */
    private final HttpHandler echo = new HttpHandler() {
        @Override
        public void handle(HttpExchange exchange) throws IOException {
            String path = exchange.getRequestURI().getRawPath();
            if (path.equals("/throw")) {
                throw new IllegalStateException("handler bug");
            }
            if (path.equals("/headers")) {
                exchange.getResponseHeaders().set("Seen", exchange.getRequestHeaders().getFirst("Client-Id") + ","
                        + exchange.getRequestHeaders().get("X-Multi"));
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
                return;
            }
            if (path.equals("/hold")) {
                try {
                    held.countDown();
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (path.equals("/silent")) {
                exchange.close();
                return;
            }
            byte[] body = exchange.getRequestBody().readAllBytes();
            byte[] reply = (exchange.getRequestMethod() + " " + path + " " + body.length + " "
                    + new String(body, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, reply.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply);
            }
            exchange.close();
        }
    };

    @BeforeEach
    void start() throws IOException {
        server = PlainHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50, pool,
                List.of(), echo, MAX_BODY, 4L * MAX_BODY);
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.close();
        pool.shutdownNow();
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws IOException {
        String responses = exchange("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                + "PUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz"
                + "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(responses).containsSubsequence("GET /a 0 ", "PUT /b 3 xyz", "Connection: close", "GET /c 0 ");
        assertThat(count(responses, "HTTP/1.1 200 OK")).isEqualTo(3);
    }

    @Test
    void requestHeadersReachTheHandlerByNameInAnyCaseWithRepeatedFieldsKept() throws IOException {
        String response = exchange("GET /headers HTTP/1.1\r\nhost: x\r\nclient-ID:  abc \r\nX-Multi: 1\r\n"
                + "x-multi: 2\r\nConnection: close\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 204 ").contains("Seen: abc,[1, 2]\r\n");
    }

    @Test
    void aConnectionWaitsForBufferBudgetUntilAnotherRequestsHandlerReturns() throws Exception {
        // Each head needs an 8 KiB buffer, 4 KiB past the first; the budget (4 * MAX_BODY = 4,000 bytes) covers
        // one such growth at a time.
        String bigHeader = "X-Pad: " + "p".repeat(6000) + "\r\n";
        try (Socket first = connect(); Socket second = connect()) {
            first.getOutputStream().write(ascii("GET /hold HTTP/1.1\r\n" + bigHeader + "Connection: close\r\n\r\n"));
            first.getOutputStream().flush();
            assertThat(held.await(10, TimeUnit.SECONDS)).as("first request reached its handler").isTrue();
            second.getOutputStream().write(ascii("GET /second HTTP/1.1\r\n" + bigHeader
                    + "Connection: close\r\n\r\n"));
            second.getOutputStream().flush();
            // Only gives a broken budget the time to show: a slow machine makes this pass, never fail.
            second.setSoTimeout(300);
            assertThatThrownBy(() -> second.getInputStream().read())
                    .as("second request answered while the first one's handler held the budget")
                    .isInstanceOf(SocketTimeoutException.class);
            second.setSoTimeout(10_000);
            release.countDown();
            assertThat(readAll(first.getInputStream())).endsWith("GET /hold 0 ");
            assertThat(readAll(second.getInputStream())).endsWith("GET /second 0 ");
        }
    }

    @Test
    void chunkedBodyIsDecodedAndTrailersDropped() throws IOException {
        String response = exchange("POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n4;ext=1\r\nabcd\r\n3\r\nefg\r\n0\r\nTrailer: t\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200 OK").endsWith("POST /p 7 abcdefg");
    }

    @Test
    void expectContinueGetsTheInterimResponseBeforeTheBodyIsSent() throws IOException {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write(ascii("PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n"
                    + "Connection: close\r\n\r\n"));
            out.flush();
            InputStream in = s.getInputStream();
            assertThat(new String(in.readNBytes(25), StandardCharsets.ISO_8859_1))
                    .isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            out.write(ascii("hi"));
            out.flush();
            assertThat(readAll(in)).startsWith("HTTP/1.1 200 OK").endsWith("PUT /e 2 hi");
        }
    }

    @Test
    void bodyOverTheLimitReachesTheHandlerEmptyAndIsDiscardedSoTheConnectionGoesOn() throws IOException {
        String big = "b".repeat(MAX_BODY + 500);
        String responses = exchange("PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: " + big.length() + "\r\n\r\n"
                + big + "GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(responses).as("the handler sees no body, the next request is framed after the discarded one")
                .containsSubsequence("\r\n\r\nPUT /big 0 ", "\r\n\r\nGET /after 0 ");
    }

    @Test
    void declaredBodyPastTheDrainBoundIsAnsweredAndTheConnectionClosed() throws IOException {
        String response = exchange("PUT /huge HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200 OK").contains("Connection: close").endsWith("PUT /huge 0 ");
    }

    @Test
    void malformedRequestsGetA4xxWithAOneLineReasonAndTheConnectionCloses() throws IOException {
        assertRefused("GARBAGE\r\n\r\n", 400, "bad request line 'GARBAGE'");
        assertRefused("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad request target");
        assertRefused("GET /a HTTP/1.1\r\nNo colon here\r\n\r\n", 400, "bad header line 'No colon here'");
        assertRefused("GET /a HTTP/1.1\r\n folded: line\r\n\r\n", 400, "bad header line");
        assertRefused("PUT /a HTTP/1.1\r\nContent-Length: 12x\r\n\r\n", 400, "bad Content-Length '12x'");
        assertRefused("PUT /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx", 400, "more than once");
        assertRefused("PUT /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "only 'Transfer-Encoding: chunked'");
        assertRefused("GET /a HTTP/2.0\r\n\r\n", 505, "unsupported protocol 'HTTP/2.0'");
        assertRefused("GET /a HTTP/1.1\r\nX: " + "v".repeat(PlainHttpServer.MAX_HEAD_BYTES) + "\r\n\r\n", 431,
                "request head is over");
        assertRefused("PUT /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "bad chunk size line");
    }

    @Test
    void chunkedBodyOverTheLimitIsCutSoTheHandlerRefusesItAndTheConnectionCloses() throws IOException {
        String chunk = Integer.toHexString(MAX_BODY + 10) + "\r\n" + "c".repeat(MAX_BODY + 10) + "\r\n0\r\n\r\n";
        String response = exchange("PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk);
        assertThat(response).contains("Connection: close").contains("PUT /c " + (MAX_BODY + 1) + " ");
    }

    @Test
    void handlerThatThrowsOrAnswersNothingClosesItsConnectionOnlyAndTheServerGoesOn() throws IOException {
        assertThat(exchange("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n")).as("closed without a response").isEmpty();
        assertThat(exchange("GET /silent HTTP/1.1\r\nHost: x\r\n\r\n")).as("closed without a response").isEmpty();
        assertThat(exchange("GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).endsWith("GET /ok 0 ");
    }

    @Test
    void http10ClosesAfterTheResponseAndHeadGetsNoBody() throws IOException {
        assertThat(exchange("GET /old HTTP/1.0\r\n\r\n")).contains("Connection: close").endsWith("GET /old 0 ");
        String head = exchange("HEAD /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(head).contains("Content-Length: 10\r\n").endsWith("\r\n\r\n");
    }

    @Test
    void clientThatSendsAHalfRequestAndLeavesDoesNotDisturbOthers() throws IOException {
        try (Socket half = connect()) {
            half.getOutputStream().write(ascii("PUT /half HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"));
            half.getOutputStream().flush();
            assertThat(exchange("GET /other HTTP/1.1\r\nConnection: close\r\n\r\n")).endsWith("GET /other 0 ");
        }
        assertThat(exchange("GET /later HTTP/1.1\r\nConnection: close\r\n\r\n")).endsWith("GET /later 0 ");
    }

    private void assertRefused(String request, int status, String reason) throws IOException {
        String response = exchange(request);
        assertThat(response).as(request).startsWith("HTTP/1.1 " + status + " ").contains("Connection: close\r\n");
        String body = response.substring(response.indexOf("\r\n\r\n") + 4);
        assertThat(body).as(request).contains(reason).endsWith("\n");
        assertThat(body.indexOf('\n')).as("one line").isEqualTo(body.length() - 1);
    }

    /** Sends {@code request} and reads until the server closes the connection. */
    private String exchange(String request) throws IOException {
        try (Socket s = connect()) {
            s.getOutputStream().write(ascii(request));
            s.getOutputStream().flush();
            return readAll(s.getInputStream());
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), server.address().getPort());
        s.setSoTimeout(10_000);
        return s;
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                b.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection within 10 s; got so far: "
                    + b.toString(StandardCharsets.ISO_8859_1), e);
        } catch (IOException e) {
            // a reset after the response: what arrived before it is what the client sees
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
