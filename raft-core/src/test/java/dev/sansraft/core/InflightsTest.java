package dev.sansraft.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InflightsTest {

    @Test
    void fillsUpToCapacityAndFreesByAcknowledgedIndex() {
        Inflights in = new Inflights(3);
        in.add(5);
        in.add(9);
        assertThat(in.isFull()).isFalse();
        in.add(12);
        assertThat(in.isFull()).isTrue();
        assertThat(in.count()).isEqualTo(3);
        in.freeTo(9);
        assertThat(in.count()).as("appends ending at 5 and 9 acknowledged").isEqualTo(1);
        in.freeTo(11);
        assertThat(in.count()).as("the append ending at 12 is still out").isEqualTo(1);
        in.freeTo(12);
        assertThat(in.count()).isZero();
    }

    @Test
    void wrapsAroundTheRingWithoutLosingOrder() {
        Inflights in = new Inflights(2);
        long last = 0;
        for (int i = 0; i < 10; i++) {
            in.add(++last);
            in.add(++last);
            assertThat(in.isFull()).isTrue();
            in.freeTo(last - 1);
            assertThat(in.count()).isEqualTo(1);
            in.freeTo(last);
            assertThat(in.count()).isZero();
        }
    }

    @Test
    void addingToAFullWindowIsAnError() {
        Inflights in = new Inflights(1);
        in.add(3);
        assertThatThrownBy(() -> in.add(4)).isInstanceOf(IllegalStateException.class).hasMessageContaining("4");
    }

    @Test
    void indexesMustIncrease() {
        Inflights in = new Inflights(4);
        in.add(3);
        assertThatThrownBy(() -> in.add(3)).isInstanceOf(IllegalStateException.class).hasMessageContaining("3");
    }

    @Test
    void freeOnEmptyAndClearAreSafe() {
        Inflights in = new Inflights(2);
        in.freeTo(100);
        assertThat(in.count()).isZero();
        in.add(1);
        in.add(2);
        in.clear();
        assertThat(in.count()).isZero();
        in.add(1);
        assertThat(in.count()).as("indexes may restart after clear").isEqualTo(1);
    }

    @Test
    void capacityMustBePositive() {
        assertThatThrownBy(() -> new Inflights(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
    }
}
