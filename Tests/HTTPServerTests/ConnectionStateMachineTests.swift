import Testing

@testable import HTTPServer

/// The state machine driven with a hand-moved clock; times in seconds for readability.
@Suite struct ConnectionStateMachineTests {
    private static let second: UInt64 = 1_000_000_000
    private let configuration = ConnectionStateMachine.Configuration(
        headTimeout: 5 * second, bodyIdleTimeout: 10 * second, keepAliveTimeout: 30 * second,
        writeStallTimeout: 20 * second, lingerTimeout: 2 * second, maxRequestsPerConnection: 3)

    private func at(_ seconds: UInt64) -> UInt64 { 1000 * Self.second + seconds * Self.second }

    @Test func idleConnectionClosesAfterKeepAliveTimeout() {
        var machine = ConnectionStateMachine(configuration: configuration, now: at(0))
        #expect(machine.deadline == at(30))
        #expect(machine.timerFired(now: at(29)) == .none)
        #expect(machine.timerFired(now: at(30)) == .close)
        #expect(machine.phase == .closed)
    }

    @Test func headDeadlineRunsFromFirstByteAndIsNeverExtended() {
        var machine = ConnectionStateMachine(configuration: configuration, now: at(0))
        machine.bytesReceived(now: at(1))
        #expect(machine.phase == .readingHead)
        for second in 2...5 { machine.bytesReceived(now: at(UInt64(second))) }
        #expect(machine.deadline == at(6))
        #expect(machine.timerFired(now: at(6)) == .requestTimeout)
    }

    @Test func bodyIdleTimeoutIsResetByProgress() {
        var machine = ConnectionStateMachine(configuration: configuration, now: at(0))
        machine.bytesReceived(now: at(0))
        let result1 = machine.headReceived(clientWantsKeepAlive: true, hasBody: true, now: at(1))
        #expect(result1)
        #expect(machine.deadline == at(11))
        machine.bytesReceived(now: at(8))
        #expect(machine.deadline == at(18))
        #expect(machine.timerFired(now: at(11)) == .none)
        #expect(machine.timerFired(now: at(18)) == .requestTimeout)
    }

    @Test func readingPausesWhileRespondingAndPipelinedHeadGetsAFreshDeadline() {
        var machine = ConnectionStateMachine(configuration: configuration, now: at(0))
        machine.bytesReceived(now: at(0))
        _ = machine.headReceived(clientWantsKeepAlive: true, hasBody: false, now: at(0))
        #expect(!machine.wantsRead)
        #expect(machine.deadline == nil)
        let result2 = machine.responseWillStart(closeRequested: false)
        #expect(!result2)
        #expect(machine.responseCompleted(now: at(50), hasBufferedBytes: true) == .readNext)
        #expect(machine.phase == .readingHead)
        #expect(machine.deadline == at(55))
        #expect(machine.wantsRead)
    }

    @Test func requestCapEndsKeepAlive() {
        var machine = ConnectionStateMachine(configuration: configuration, now: at(0))
        for index in 1...3 {
            machine.bytesReceived(now: at(0))
            let keepAlive = machine.headReceived(clientWantsKeepAlive: true, hasBody: false, now: at(0))
            #expect(keepAlive == (index < 3))
            let result3 = machine.responseWillStart(closeRequested: false) == (index == 3)
            #expect(result3)
            let next = machine.responseCompleted(now: at(0), hasBufferedBytes: false)
            #expect(next == (index < 3 ? .readNext : .close))
        }
    }

    @Test func clientCloseAndUnreadBodyEndKeepAlive() {
        var machine = ConnectionStateMachine(configuration: configuration, now: at(0))
        machine.bytesReceived(now: at(0))
        let result4 = machine.headReceived(clientWantsKeepAlive: false, hasBody: false, now: at(0))
        #expect(!result4)
        var second = ConnectionStateMachine(configuration: configuration, now: at(0))
        second.bytesReceived(now: at(0))
        let result5 = second.headReceived(clientWantsKeepAlive: true, hasBody: true, now: at(0))
        #expect(result5)
        // Responding before the body was read: the rest of the body cannot be told from the next request.
        let result6 = second.responseWillStart(closeRequested: false)
        #expect(result6)
        #expect(second.responseCompleted(now: at(1), hasBufferedBytes: false) == .close)
    }

    @Test func shutdownClosesIdleAtOnceAndBusyAfterTheResponse() {
        var idle = ConnectionStateMachine(configuration: configuration, now: at(0))
        let result7 = idle.shutdownRequested()
        #expect(result7)
        var busy = ConnectionStateMachine(configuration: configuration, now: at(0))
        busy.bytesReceived(now: at(0))
        _ = busy.headReceived(clientWantsKeepAlive: true, hasBody: false, now: at(0))
        let result8 = busy.shutdownRequested()
        #expect(!result8)
        let result9 = busy.responseWillStart(closeRequested: false)
        #expect(result9)
        #expect(busy.responseCompleted(now: at(1), hasBufferedBytes: true) == .close)
    }

    @Test func writeStallClosesAndProgressExtendsIt() {
        var machine = ConnectionStateMachine(configuration: configuration, now: at(0))
        machine.bytesReceived(now: at(0))
        _ = machine.headReceived(clientWantsKeepAlive: true, hasBody: false, now: at(0))
        machine.writeBlocked(now: at(1))
        machine.writeBlocked(now: at(5))
        #expect(machine.deadline == at(21))
        machine.writeProgressed(now: at(10), drained: false)
        #expect(machine.deadline == at(30))
        #expect(machine.timerFired(now: at(21)) == .none)
        #expect(machine.timerFired(now: at(30)) == .close)
    }

    @Test func peerHalfCloseAfterACompleteRequestStillGetsTheResponse() {
        var machine = ConnectionStateMachine(configuration: configuration, now: at(0))
        machine.bytesReceived(now: at(0))
        _ = machine.headReceived(clientWantsKeepAlive: true, hasBody: false, now: at(0))
        let result10 = machine.peerClosed()
        #expect(!result10)
        let result11 = machine.responseWillStart(closeRequested: false)
        #expect(result11)
        var reading = ConnectionStateMachine(configuration: configuration, now: at(0))
        reading.bytesReceived(now: at(0))
        let result12 = reading.peerClosed()
        #expect(result12)
    }

    @Test func lingeringEndsAfterItsTimeout() {
        var machine = ConnectionStateMachine(configuration: configuration, now: at(0))
        machine.startLingering(now: at(0))
        #expect(machine.wantsRead)
        #expect(machine.timerFired(now: at(1)) == .none)
        #expect(machine.timerFired(now: at(2)) == .close)
    }

    @Test func handlerBackpressureSuspendsTheBodyIdleTimeout() {
        var machine = ConnectionStateMachine(configuration: configuration, now: at(0))
        machine.bytesReceived(now: at(0))
        _ = machine.headReceived(clientWantsKeepAlive: true, hasBody: true, now: at(0))
        #expect(machine.deadline == at(10))
        // The handler's buffer fills at 1 s (it is slow, or not yet scheduled): the connection stops reading.
        machine.bodyConsumerDidPause()
        #expect(machine.deadline == nil)
        // Long past the body idle timeout the request is still being served, not answered 408.
        #expect(machine.timerFired(now: at(11)) == .none)
        #expect(machine.timerFired(now: at(40)) == .none)
        #expect(machine.phase == .readingBody)
        // Once the handler catches up, the peer gets a full body idle timeout from then.
        machine.bodyConsumerDidResume(now: at(45))
        #expect(machine.deadline == at(55))
        #expect(machine.timerFired(now: at(54)) == .none)
        #expect(machine.timerFired(now: at(55)) == .requestTimeout)
    }

    @Test func slowHandlerKeepsItsConnectionPastEveryPeerTimeout() {
        var machine = ConnectionStateMachine(configuration: configuration, now: at(0))
        machine.bytesReceived(now: at(0))
        _ = machine.headReceived(clientWantsKeepAlive: true, hasBody: false, now: at(0))
        // The handler takes longer than the head, body idle and keep-alive timeouts together.
        for second in [5, 10, 30, 100] as [UInt64] {
            #expect(machine.timerFired(now: at(second)) == .none)
        }
        let close = machine.responseWillStart(closeRequested: false)
        #expect(!close)
        // A streamed response whose first write is not flushed yet is still in flight.
        #expect(machine.timerFired(now: at(200)) == .none)
        #expect(machine.responseCompleted(now: at(201), hasBufferedBytes: false) == .readNext)
        #expect(machine.deadline == at(231))
    }
}
