/// Which waiting run starts next on `width` slots, when runs take different numbers of slots.
///
/// The first waiting run that fits, in order — except that a run taking several slots goes first
/// while no such run is running: if it does not fit yet, nothing else starts, so the slots coming
/// free are kept for it. Without that, single-slot runs take every slot as it comes free and the
/// several-slot runs start only once most of them are done, then one after another with the other
/// slots idle: the CI of 7 December ran its seven two-slot chat scenarios last, 809 s with one of its
/// three slots unused. One several-slot run at a time beside single-slot ones keeps every slot busy.
///
/// Used by `labrun all` (`SuitePlan`) and by the end-to-end tests' gate, so both schedule alike.
public enum SlotChoice {
    /// The index in `waiting` of the run to start now, or nil to wait for a run to end.
    /// `slots` gives a run's slots (1…`width`), `startable` whether it may start at all now (its own
    /// earlier run is not running), `used` the slots taken and `wideRunning` whether a run taking
    /// several slots is running.
    public static func next<Run>(_ waiting: [Run], width: Int, used: Int, wideRunning: Bool,
                                 slots: (Run) -> Int, startable: (Run) -> Bool = { _ in true }) -> Int? {
        if !wideRunning, let wide = waiting.firstIndex(where: { slots($0) > 1 && startable($0) }) {
            return used + slots(waiting[wide]) <= width ? wide : nil
        }
        return waiting.firstIndex { startable($0) && used + slots($0) <= width }
    }
}
