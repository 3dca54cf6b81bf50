package dev.sansraft.examples.http;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

import static org.assertj.core.api.Assertions.assertThat;

class MeteredBackendTest {

    @Test
    void delegatesEveryBackendMethodIncludingTheDefaultOnes() throws Exception {
        for (Method m : KvBackend.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Method own = MeteredBackend.class.getMethod(m.getName(), m.getParameterTypes());
            assertThat(own.getDeclaringClass()).as("MeteredBackend overrides %s", m).isEqualTo(MeteredBackend.class);
        }
    }
}
