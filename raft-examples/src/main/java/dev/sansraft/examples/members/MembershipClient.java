package dev.sansraft.examples.members;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Calls a server's membership API. Requests follow the 307 a follower answers with to the leader, so any member's
 * address will do. Every call returns the status and the body as text; it never throws for an HTTP status. A secured
 * cluster is reached with an {@link ApiAccess}: HTTPS trusting its CA, and its bearer token on every request
 * (redirected ones included).
 *
 * <p>Thread-safe (the JDK client is).
 */
public final class MembershipClient {

    /** One member as {@code GET /members} lists it. */
    public record Member(long id, String endpoint, long match, boolean voter) {
    }

    /** A status and the response body. */
    public record Answer(int status, String body) {
        /** {@return true for status 200} */
        public boolean ok() {
            return status == 200;
        }

        /** {@return the body on one line, for messages} */
        public String message() {
            return body.strip().replace('\n', ' ');
        }

        /** {@return true for 401: the server wants a bearer token, or another one} */
        public boolean unauthorized() {
            return status == 401;
        }
    }

    private static final Pattern MEMBER = Pattern.compile(
            "\\{\"id\":(\\d+),\"endpoint\":\"((?:[^\"\\\\]|\\\\.)*)\",\"match\":(-?\\d+)}");

    private final HttpClient http;
    private final String baseUrl;
    private final Duration timeout;
    private final ApiAccess access;

    /**
     * A client of an open cluster (plain HTTP, or HTTPS with the JDK's default trust; no token).
     *
     * @param baseUrl a member's HTTP base URL, e.g. {@code http://127.0.0.1:8001}
     * @param timeout how long one request may take (a change answers once committed)
     */
    public MembershipClient(String baseUrl, Duration timeout) {
        this(baseUrl, timeout, ApiAccess.NONE);
    }

    /**
     * A client of a cluster secured as {@code access} says.
     *
     * @param baseUrl a member's HTTP base URL, e.g. {@code https://127.0.0.1:8001}
     * @param timeout how long one request may take (a change answers once committed)
     * @param access  the CA to trust for HTTPS and the bearer token, each optional
     * @throws IllegalArgumentException if {@code baseUrl} is not an http:// or https:// URL
     */
    public MembershipClient(String baseUrl, Duration timeout, ApiAccess access) {
        String url = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new IllegalArgumentException("'" + baseUrl + "' is not an http:// or https:// URL");
        }
        this.baseUrl = url;
        this.timeout = timeout;
        this.access = access;
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NORMAL);
        if (access.tls() != null) {
            b.sslContext(access.tls());
        }
        this.http = b.build();
    }

    /** {@return the base URL requests go to, without a trailing slash} */
    public String baseUrl() {
        return baseUrl;
    }

    /**
     * Lists the members: {@code GET /members}.
     *
     * @return the answer; its body is the members as JSON
     * @throws IOException if the server cannot be reached
     * @throws InterruptedException if interrupted while waiting
     */
    public Answer list() throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/members")).GET());
    }

    /**
     * Adds a learner: {@code POST /members}.
     *
     * @param id the new member's node id
     * @param endpoint how to reach it, {@code host:raftPort/httpPort}
     * @return the answer, once the change is committed or refused
     * @throws IOException if the server cannot be reached
     * @throws InterruptedException if interrupted while waiting
     */
    public Answer addLearner(long id, String endpoint) throws IOException, InterruptedException {
        String form = "id=" + id + "&endpoint=" + URLEncoder.encode(endpoint, StandardCharsets.UTF_8);
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/members"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
    }

    /**
     * Promotes a learner to voter: {@code POST /members/ID/promote}.
     *
     * @param id the learner's node id
     * @return the answer, once the change is committed or refused
     * @throws IOException if the server cannot be reached
     * @throws InterruptedException if interrupted while waiting
     */
    public Answer promote(long id) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/members/" + id + "/promote"))
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    /**
     * Removes a member: {@code DELETE /members/ID}.
     *
     * @param id the member's node id
     * @return the answer, once the change is committed or refused
     * @throws IOException if the server cannot be reached
     * @throws InterruptedException if interrupted while waiting
     */
    public Answer remove(long id) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/members/" + id)).DELETE());
    }

    /**
     * Hands leadership over: {@code POST /leader?to=ID}.
     *
     * @param to the voter to lead next
     * @return the answer, once the transfer finished or failed
     * @throws IOException if the server cannot be reached
     * @throws InterruptedException if interrupted while waiting
     */
    public Answer transferLeadership(long to) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/leader?to=" + to))
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    /**
     * Says why a request failed without an answer, with a hint at the usual cause: a TLS handshake that failed (a
     * CA the server's certificate does not chain to, or https:// to a plain HTTP server), or plain HTTP sent to an
     * HTTPS server (which closes the connection without a word).
     *
     * @param e the failure of one of this client's calls
     * @return one line for an error message
     */
    public String explain(IOException e) {
        if (e instanceof ConnectException) {
            return "cannot reach " + baseUrl + ": " + e.getMessage();
        }
        if (e instanceof SSLException) {
            return "TLS with " + baseUrl + " failed: " + e.getMessage() + " (is the server's HTTP port HTTPS, and"
                    + " does its certificate chain to the CA given as " + (access.tls() == null
                    ? "none: give the cluster CA (--tls-ca / --cacert)" : "the cluster CA") + "?)";
        }
        return "request to " + baseUrl + " failed: " + e + (baseUrl.startsWith("http://") ? " (if the cluster runs"
                + " with TLS, its HTTP port speaks HTTPS only: use https://)" : "");
    }

    private Answer send(HttpRequest.Builder request) throws IOException, InterruptedException {
        if (access.bearerToken() != null) {
            request.header("Authorization", "Bearer " + access.bearerToken());
        }
        HttpResponse<String> r = http.send(request.timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Answer(r.statusCode(), r.body());
    }

    /**
     * The members in a {@code GET /members} body, voters first.
     *
     * @param json the body of a {@code GET /members} answer
     * @return the members, voters first
     * @throws IllegalArgumentException if the body is not of that shape
     */
    public static List<Member> parseMembers(String json) {
        int learners = json.indexOf("\"learners\":");
        if (!json.startsWith("{\"voters\":") || learners < 0) {
            throw new IllegalArgumentException("not a /members answer: " + json.strip());
        }
        List<Member> members = new ArrayList<>();
        Matcher m = MEMBER.matcher(json);
        while (m.find()) {
            members.add(new Member(Long.parseLong(m.group(1)), m.group(2).replace("\\\"", "\"")
                    .replace("\\\\", "\\"), Long.parseLong(m.group(3)), m.start() < learners));
        }
        return members;
    }
}
