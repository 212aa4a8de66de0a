@testable import Parley
import Testing

/// Refusal, frustration and error-response detectors on true positives and near-misses.
@Suite struct ConversationDetectorTests {
    func chat(_ turns: [(String, String)], thumb: Int? = nil, rating: Int? = nil) -> DetectorConversation {
        DetectorConversation(messages: turns.map { DetectorConversation.Message(role: $0.0, text: $0.1) },
                             feedbackThumb: thumb, feedbackRating: rating)
    }

    func kinds(_ detector: some ConversationDetector, _ conversation: DetectorConversation) -> [String] {
        detector.findings(in: conversation).map(\.kind)
    }

    @Test func refusals() {
        let detector = RefusalDetector()
        let refusals = [
            "I'm sorry, but I can't help with that request.",
            "I’m sorry, I can’t assist with creating malware.",
            "As an AI language model, I don't have opinions.",
            "I cannot provide instructions for that.",
            "I won't be able to help you with this one.",
            "Unfortunately I'm unable to assist with that.",
            "Je ne peux pas vous aider avec cette demande.",
            "Lo siento, pero no puedo ayudarte con eso.",
            "Es tut mir leid, aber ich kann Ihnen dabei nicht helfen.",
        ]
        for text in refusals {
            let findings = detector.findings(in: chat([("user", "Do it"), ("assistant", text)]))
            #expect(findings.count == 1 && findings.first?.messageIndex == 1, "\(text)")
            #expect(detector.fires(findings))
        }
        let answers = [
            "I can't wait to help! Here is how to reset your PIN.",
            "I'm sorry for the delay; your card is on its way.",
            "You cannot use this card abroad without enabling it.",
            "Sure. " + String(repeating: "Here are the steps. ", count: 30) + "I can't help with taxes, though.",
            "I can't stress this enough: keep your PIN secret.",
        ]
        for text in answers {
            #expect(kinds(detector, chat([("user", "Help"), ("assistant", text)])) == [], "\(text)")
        }
        // The user saying "I can't" is not a refusal.
        #expect(kinds(detector, chat([("user", "I can't help with that, can you?"), ("assistant", "Yes, of course.")])) == [])
    }

    @Test func frustration() {
        let detector = FrustrationDetector()
        let thumbDown = chat([("user", "What is my balance?"), ("assistant", "It is 10.")], thumb: -1)
        #expect(kinds(detector, thumbDown) == ["negative_feedback"])
        #expect(detector.fires(detector.findings(in: thumbDown)))
        #expect(detector.fires(detector.findings(in: chat([("user", "hi"), ("assistant", "hello")], rating: 2))))

        let repeated = chat([("user", "How do I reset my card PIN?"), ("assistant", "Go to settings."),
                             ("user", "how do I reset my card PIN??"), ("assistant", "Settings.")])
        #expect(kinds(detector, repeated).contains("repeated_question"))
        #expect(detector.fires(detector.findings(in: repeated)))

        let phrase = chat([("user", "Where is my refund?"), ("assistant", "Check the app."),
                           ("user", "That's not what I asked. Let me talk to a human.")])
        #expect(kinds(detector, phrase) == ["phrase", "phrase"])

        // Weak signals alone do not fire; together they do.
        let capitals = chat([("user", "WHY IS MY CARD BLOCKED AGAIN")])
        #expect(kinds(detector, capitals) == ["all_caps"])
        #expect(!detector.fires(detector.findings(in: capitals)))
        let shoutingSwearing = chat([("user", "WHY IS MY DAMN CARD BLOCKED AGAIN???")])
        #expect(detector.fires(detector.findings(in: shoutingSwearing)))

        // Near-misses: acronyms, a polite follow-up that differs, a positive thumb, "class" and "assistant".
        let fine = chat([("user", "Can I use my NASA FCU card with the FBI app?"), ("assistant", "Yes."),
                         ("user", "Great, and can I also order a second card for my partner?"), ("assistant", "Sure."),
                         ("user", "Thanks, the assistant in class was helpful.")], thumb: 1, rating: 5)
        #expect(kinds(detector, fine) == [])
    }

    @Test func errorResponses() {
        let detector = ErrorResponseDetector()
        #expect(kinds(detector, chat([("user", "Hello?")])) == ["no_reply"])
        #expect(kinds(detector, chat([("user", "Hi"), ("assistant", "Hello"), ("user", "And then?")])) == ["unanswered"])
        #expect(kinds(detector, chat([("user", "Hi"), ("assistant", "   ")])) == ["empty"])
        #expect(kinds(detector, chat([("user", "Hi"), ("assistant", "Error: upstream request timeout")])) == ["error_text"])
        #expect(kinds(detector, chat([("user", "Hi"), ("assistant", "Sorry, something went wrong. Please retry.")])) == ["error_text"])
        #expect(kinds(detector, chat([("user", "Hi"), ("assistant", "HTTP 503 from the model provider")])) == ["http_5xx"])
        let trace = "Request failed\nTraceback (most recent call last):\n  File \"app.py\", line 3, in <module>\nKeyError: 'x'"
        #expect(kinds(detector, chat([("user", "Hi"), ("assistant", trace)])).contains("stack_trace"))
        let java = "Here:\n\tat com.bank.Api.call(Api.java:42)\n\tat com.bank.Main.main(Main.java:7)\n" + String(repeating: "x", count: 400)
        #expect(kinds(detector, chat([("user", "Hi"), ("assistant", java)])) == ["stack_trace"])
        let cut = "To reset your PIN, open the banking app, go to Cards, choose the card whose PIN you want to change, "
            + "confirm with your fingerprint and then select the"
        #expect(kinds(detector, chat([("user", "PIN?"), ("assistant", cut)])) == ["truncated"])
        let unclosed = "Here is the code:\n```python\nprint('hello')\n"
        #expect(kinds(detector, chat([("user", "code?"), ("assistant", unclosed)])) == ["truncated"])
        var lengthCut = chat([("user", "Hi"), ("assistant", "A perfectly normal sentence")])
        lengthCut.messages[1].finishReason = "length"
        #expect(kinds(detector, lengthCut) == ["truncated"])

        // Near-misses: a turn that only calls tools, an explanation of an error, a quoted trace, a complete answer.
        let tools = DetectorConversation(messages: [.init(role: "user", text: "Balance?"),
                                                    .init(role: "assistant", text: "", hasToolCalls: true),
                                                    .init(role: "tool", text: "{\"balance\": 10}"),
                                                    .init(role: "assistant", text: "Your balance is 10 euros.")])
        #expect(kinds(detector, tools) == [])
        let explanation = "When the app shows an error, it usually means your session expired. "
            + String(repeating: "Sign in again and retry the payment. ", count: 10) + "A 500 error means the server failed."
        #expect(kinds(detector, chat([("user", "Why?"), ("assistant", explanation)])) == [])
        let quoted = "Your script fails here:\n```\nTraceback (most recent call last):\n  File \"a.py\", line 1\n  File \"b.py\", line 2\n```\nRename the variable."
        #expect(kinds(detector, chat([("user", "Why?"), ("assistant", quoted)])) == [])
        #expect(kinds(detector, chat([("user", "Is it open?"), ("assistant", "Yes.")])) == [])
    }
}
