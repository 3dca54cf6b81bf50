package dev.sansraft.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.sansraft.core.MembershipChange.remove;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The configuration format at its limits: a list of exactly {@link MembershipCodec#MAX_MEMBERS} members and an
 * endpoint of exactly {@link Membership.Member#MAX_ENDPOINT_BYTES} UTF-8 bytes round-trip; one more is refused on
 * both sides (encoding a configuration to append, and decoding bytes from a peer or a disk), naming the count. Also
 * the membership rules a configuration change goes through: removing a member leaves the others' roles alone.
 */
class MembershipCodecLimitsTest {

    private static List<Membership.Member> members(int count, String endpoint) {
        List<Membership.Member> list = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            list.add(new Membership.Member(i, endpoint));
        }
        return list;
    }

    /** A version byte, then a list header claiming {@code count} members, then {@code rest}. */
    private static byte[] header(int count, byte[] rest) {
        return ByteBuffer.allocate(3 + rest.length).put(MembershipCodec.VERSION).putShort((short) count).put(rest)
                .array();
    }

    @Test
    @DisplayName("a list of exactly MAX_MEMBERS round-trips; one more is refused when encoding and decoding")
    void theMemberCountLimitIsInclusive() {
        Membership full = Membership.of(members(MembershipCodec.MAX_MEMBERS, "h"), List.of());
        byte[] encoded = MembershipCodec.encode(full);
        assertThat(encoded).hasSize(MembershipCodec.encodedSize(full));
        assertThat(MembershipCodec.decode(encoded)).isEqualTo(full);

        Membership over = Membership.of(members(MembershipCodec.MAX_MEMBERS + 1, ""), List.of());
        assertThatThrownBy(() -> MembershipCodec.encode(over)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1025 members").hasMessageContaining("at most 1024");
        assertThatThrownBy(() -> MembershipCodec.decode(header(MembershipCodec.MAX_MEMBERS + 1, new byte[0])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1025 voters")
                .hasMessageContaining("at most 1024");
    }

    @Test
    @DisplayName("an endpoint of exactly MAX_ENDPOINT_BYTES UTF-8 bytes round-trips; one more byte is refused")
    void theEndpointLimitIsInclusiveAndCountedInBytes() {
        String longest = "e".repeat(Membership.Member.MAX_ENDPOINT_BYTES);
        Membership m = Membership.of(List.of(new Membership.Member(1, longest)), List.of());
        assertThat(MembershipCodec.decode(MembershipCodec.encode(m))).isEqualTo(m);

        // 1,023 ASCII characters and one two-byte character: short enough in chars, one byte too long in UTF-8.
        String tooLong = "e".repeat(Membership.Member.MAX_ENDPOINT_BYTES - 1) + "é";
        Membership wide = Membership.of(List.of(new Membership.Member(7, tooLong)), List.of());
        assertThatThrownBy(() -> MembershipCodec.encode(wide)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("member 7").hasMessageContaining("1025 UTF-8 bytes");

        byte[] member = ByteBuffer.allocate(10).putLong(7).putShort((short) 1025).array();
        assertThatThrownBy(() -> MembershipCodec.decode(header(1, member)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("member 7")
                .hasMessageContaining("claims 1025 bytes");
        byte[] badUtf8 = ByteBuffer.allocate(11).putLong(7).putShort((short) 1).put((byte) 0xff).array();
        assertThatThrownBy(() -> MembershipCodec.decode(header(1, badUtf8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not UTF-8");
        assertThat(tooLong.getBytes(StandardCharsets.UTF_8)).hasSize(1025);
    }

    @Test
    @DisplayName("removing a voter or a learner leaves every other member's role alone (thesis §4.2)")
    void removingAMemberLeavesTheOthersAlone() {
        Membership m = Membership.of(members(3, "v"),
                List.of(new Membership.Member(4, "l4"), new Membership.Member(5, "l5")));
        assertThat(m.isLearner(4)).isTrue();
        assertThat(m.isLearner(1)).as("a voter").isFalse();
        assertThat(m.isLearner(9)).as("a stranger").isFalse();

        Membership withoutVoter = m.apply(List.of(remove(3)));
        assertThat(withoutVoter.voterIds()).containsExactly(1L, 2L);
        assertThat(withoutVoter.learnerIds()).as("the learners stay").containsExactly(4L, 5L);

        Membership withoutLearner = m.apply(List.of(remove(4)));
        assertThat(withoutLearner.voterIds()).containsExactly(1L, 2L, 3L);
        assertThat(withoutLearner.learnerIds()).as("only learner 4 goes").containsExactly(5L);
        assertThat(withoutLearner.isLearner(4)).isFalse();
    }
}
