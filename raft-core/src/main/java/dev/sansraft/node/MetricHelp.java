package dev.sansraft.node;

import java.util.Map;

/**
 * The {@code # HELP} text of every gauge and counter a {@link RaftNode} reports. A name missing here still gets a
 * help line (derived from the name), so the exposition never lacks one.
 *
 * <p>Stateless and thread-safe.
 */
final class MetricHelp {

    private static final Map<String, String> TEXT = Map.ofEntries(
            Map.entry("sansraft_term", "Current term of this node."),
            Map.entry("sansraft_role", "Role: 0 follower, 1 pre-candidate, 2 candidate, 3 leader."),
            Map.entry("sansraft_is_leader", "1 while this node is the leader, else 0."),
            Map.entry("sansraft_leader_id", "Leader this node knows of, 0 when none."),
            Map.entry("sansraft_commit_index", "Highest log index known to be committed."),
            Map.entry("sansraft_applied_index", "Highest log index applied to the state machine."),
            Map.entry("sansraft_last_log_index", "Index of the last entry in this node's log."),
            Map.entry("sansraft_inflight_requests", "Proposals and reads registered with the core, not yet answered."),
            Map.entry("sansraft_proposals_total", "Proposals submitted to this node."),
            Map.entry("sansraft_proposals_accepted_total", "Proposals appended by this node as leader."),
            Map.entry("sansraft_proposals_rejected_total", "Proposals refused (not the leader, or overloaded)."),
            Map.entry("sansraft_proposals_dropped_total", "Accepted proposals that will never be applied."),
            Map.entry("sansraft_requests_timed_out_total", "Proposals and reads failed after the request timeout."),
            Map.entry("sansraft_reads_total", "Linearizable and lease reads submitted."),
            Map.entry("sansraft_reads_rejected_total", "Reads refused because no leader could confirm them."),
            Map.entry("sansraft_stale_reads_total", "Stale reads served from local state."),
            Map.entry("sansraft_entries_applied_total", "Committed entries handed to the apply thread."),
            Map.entry("sansraft_apply_errors_total", "Entries whose apply threw an exception."),
            Map.entry("sansraft_storage_batches_total", "Storage batches written by the storage thread."),
            Map.entry("sansraft_storage_entries_written_total", "Log entries appended to the log store."),
            Map.entry("sansraft_storage_syncs_total", "Log store syncs (one per group-commit round)."),
            Map.entry("sansraft_storage_sync_seconds_total", "Time spent in log store syncs."),
            Map.entry("sansraft_hard_state_saves_total", "Hard state (term, vote) saves."),
            Map.entry("sansraft_messages_sent_total", "Raft messages handed to the transport."),
            Map.entry("sansraft_messages_received_total", "Raft messages received from the transport."),
            Map.entry("sansraft_role_changes_total", "Role changes of this node."),
            Map.entry("sansraft_leader_changes_total", "Times this node learned of a new leader."),
            Map.entry("sansraft_event_loop_batches_total", "Batches stepped by the event loop."),
            Map.entry("sansraft_event_loop_events_total", "Inputs stepped by the event loop."),
            Map.entry("sansraft_proposals_unknown_total", "Proposals whose outcome a received snapshot hid."),
            Map.entry("sansraft_snapshots_taken_total", "Snapshots of this node's own state stored."),
            Map.entry("sansraft_snapshots_received_total", "Snapshots received from a leader and committed."),
            Map.entry("sansraft_snapshots_installed_total", "Snapshots restored into the state machine."),
            Map.entry("sansraft_snapshot_bytes_written_total", "Bytes of own snapshots written."),
            Map.entry("sansraft_snapshot_bytes_sent_total", "Snapshot bytes sent to followers."),
            Map.entry("sansraft_snapshot_bytes_received_total", "Snapshot bytes received from a leader."),
            Map.entry("sansraft_snapshot_last_index", "Index of the newest snapshot stored or recovered."),
            Map.entry("sansraft_log_compactions_total", "Log prefix compactions after a snapshot."),
            Map.entry("sansraft_log_resets_total", "Log resets after installing a received snapshot."),
            Map.entry("sansraft_listener_events_dropped_total",
                    "Listener events dropped because the listener queue was full."));

    private MetricHelp() {
    }

    /** The help text of {@code name}: the known one, or one derived from the name. */
    static String of(String name) {
        String text = TEXT.get(name);
        return text != null ? text : name.substring("sansraft_".length()).replace('_', ' ') + ".";
    }
}
