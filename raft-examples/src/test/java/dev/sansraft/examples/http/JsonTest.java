package dev.sansraft.examples.http;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JsonTest {

    @Test
    void writesFieldsInOrderAndEscapesStrings() {
        String json = Json.object().field("id", 3).field("ok", true).field("name", "a\"b\\c\n\u0001")
                .field("none", (String) null).field("members", List.of(1L, 2L, 3L)).rawField("x", "{}").end();
        assertThat(json).isEqualTo("{\"id\":3,\"ok\":true,\"name\":\"a\\\"b\\\\c\\n\\u0001\",\"none\":null,"
                + "\"members\":[1,2,3],\"x\":{}}");
        assertThat(Json.object().end()).isEqualTo("{}");
    }
}
