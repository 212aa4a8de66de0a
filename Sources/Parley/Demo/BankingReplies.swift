/// The demo support bot's replies to Banking77 queries: one short, plausible answer per intent.
///
/// Written for Parley (not part of Banking77), so that the demo shows complete support conversations.
enum BankingReplies {
    /// The reply for a Banking77 category, or a generic hand-over when the category is unknown.
    static func reply(for category: String) -> String {
        replies[category]
            ?? "Thanks for getting in touch. Let me connect you with a colleague who can look into this for you."
    }

    static let replies: [String: String] = [
        "activate_my_card":
            "You can activate your card in the app: go to Cards, tap the new card and choose Activate. You'll need the 6-digit code printed on the letter it came with.",
        "age_limit":
            "You need to be at least 18 to open an account with us. Younger customers can use a linked junior account set up by a parent or guardian.",
        "apple_pay_or_google_pay":
            "Yes, you can add your card to Apple Pay or Google Pay. In the app, open Cards, pick the card and tap Add to Wallet, then follow the steps.",
        "atm_support":
            "You can withdraw cash at any ATM showing the Visa or Mastercard logo. Free withdrawals are included up to your plan's monthly allowance.",
        "automatic_top_up":
            "Auto top-up refills your balance when it drops below an amount you choose. Turn it on under Account > Top up > Auto top-up and set the threshold and amount.",
        "balance_not_updated_after_bank_transfer":
            "Bank transfers usually arrive within 1 working day, sometimes up to 3 for international payments. If it's been longer, please send me the transfer reference and I'll trace it.",
        "balance_not_updated_after_cheque_or_cash_deposit":
            "Cash and cheque deposits can take up to 3 working days to clear. If your balance still hasn't updated after that, send me a photo of the receipt and I'll check.",
        "beneficiary_not_allowed":
            "Sorry about that. Some beneficiaries can't be added because of our security checks or because the receiving bank isn't supported. Please double-check the details; if they're correct I can review it for you.",
        "cancel_transfer":
            "If the transfer is still pending you can cancel it in the app under Payments > Pending. Once it's completed we can't cancel it, but I can request a recall from the receiving bank.",
        "card_about_to_expire":
            "We'll send a replacement card automatically about a month before your card expires. You can also order one now under Cards > Replace card, free of charge.",
        "card_acceptance":
            "Your card works wherever Mastercard is accepted, online and in shops, in over 200 countries. A few merchants may not accept prepaid cards.",
        "card_arrival":
            "I'm sorry your card hasn't arrived yet. Cards usually take 3 to 5 working days; you can follow the delivery in the app under Cards. If it's been more than 10 days, I can cancel it and send a new one.",
        "card_delivery_estimate":
            "Standard delivery takes 3 to 5 working days in the UK and up to 10 elsewhere. Express delivery arrives within 2 working days for a small fee.",
        "card_linking":
            "To link a card you already have, open Cards > Link a card and enter the number shown on the card. You'll then be able to use it straight away.",
        "card_not_working":
            "I'm sorry your card isn't working. Please check that it isn't frozen in the app and that the payment type is enabled under Card settings. If it still fails, I can send you a replacement.",
        "card_payment_fee_charged":
            "Some card payments carry a fee, for example in another currency above your plan's free allowance. You'll find the exact fee on the transaction in the app; if it looks wrong, I'll review it.",
        "card_payment_not_recognised":
            "If you don't recognise a card payment, please freeze your card in the app right away. Then tap the payment and choose Report, and we'll investigate and send you a new card.",
        "card_payment_wrong_exchange_rate":
            "Card payments use the network rate at the moment the merchant processes the payment, which can differ from the rate you saw earlier. Send me the payment details and I'll check the rate applied.",
        "card_swallowed":
            "Sorry to hear the ATM kept your card. For your security, please freeze it in the app and order a replacement under Cards; the retained card will be destroyed by the bank.",
        "cash_withdrawal_charge":
            "Withdrawals are free up to your plan's monthly allowance; after that there's a 2% fee. The ATM operator may also add its own charge, which we can't refund.",
        "cash_withdrawal_not_recognised":
            "If you didn't make that withdrawal, please freeze your card in the app now. I'll open a dispute and order you a new card straight away.",
        "change_pin":
            "You can change your PIN at any ATM that offers PIN services, or view your current PIN in the app under Cards > Show PIN.",
        "compromised_card":
            "If you think your card has been compromised, freeze it in the app immediately and order a replacement. Let me know of any payments you don't recognise and we'll dispute them.",
        "contactless_not_working":
            "Contactless sometimes needs one chip-and-PIN payment first to activate. If it still doesn't work after that, check that contactless is enabled under Card settings.",
        "country_support":
            "We currently support residents of the UK and the European Economic Area. You can still use your card while travelling almost anywhere in the world.",
        "declined_card_payment":
            "I'm sorry your payment was declined. Common reasons are insufficient balance, a frozen card or a blocked payment type. Check the notification in the app for the exact reason.",
        "declined_cash_withdrawal":
            "Your withdrawal may have been declined because of your daily limit, an incorrect PIN or a restriction on the ATM. The app shows the reason on the declined transaction.",
        "declined_transfer":
            "Transfers can be declined when details don't match, when limits are reached or for security checks. Please check the details and try again; if it fails again I'll look into it.",
        "direct_debit_payment_not_recognised":
            "If you don't recognise a direct debit, you can cancel it in the app under Payments > Direct debits, and I can help you raise a claim under the Direct Debit Guarantee.",
        "disposable_card_limits":
            "Disposable virtual cards can be used for one payment each, then the details regenerate. You can create up to 20 per day on your plan.",
        "edit_personal_details":
            "You can update most personal details in the app under Profile > Personal details. Changes to your legal name need a photo of an ID document.",
        "exchange_charge":
            "Exchanges are free up to your plan's monthly allowance during market hours. Outside that, a small fee of 0.5% to 1% applies and is shown before you confirm.",
        "exchange_rate":
            "We use the interbank exchange rate, which you can see live in the app before you exchange. There's no hidden markup within your plan's allowance.",
        "exchange_via_app":
            "Yes: go to Accounts, tap Exchange, choose the two currencies and the amount, and confirm. The money is converted instantly.",
        "extra_charge_on_statement":
            "Sorry about the unexpected charge. It may be a pending authorisation that will drop off, or a fee. Tell me the date and amount and I'll find out what it is.",
        "failed_transfer":
            "I'm sorry your transfer failed. The money is returned to your balance, usually within 1 working day. Please check the recipient's details and try again.",
        "fiat_currency_support":
            "You can hold and exchange over 25 currencies, including EUR, USD, GBP, CHF and JPY. The full list is under Accounts > Add currency.",
        "get_disposable_virtual_card":
            "You can create a disposable virtual card under Cards > New card > Disposable. It's ready to use online immediately.",
        "get_physical_card":
            "You can order a physical card under Cards > Order card. Once it arrives, activate it with the code in the letter.",
        "getting_spare_card":
            "Yes, you can have additional cards on your account. Order one under Cards > Order card; standard delivery is free for your first spare card.",
        "getting_virtual_card":
            "You can create a virtual card in the app under Cards > New card > Virtual. It's free and ready to use straight away.",
        "lost_or_stolen_card":
            "I'm sorry to hear that. Please freeze your card in the app right away, then choose Report lost or stolen and we'll send you a replacement.",
        "lost_or_stolen_phone":
            "I'm sorry about your phone. Log in on another device or contact us from there so we can lock your account, and freeze your cards until you're set up again.",
        "order_physical_card":
            "To order a physical card, go to Cards > Order card, confirm your address and choose a delivery option. Standard delivery is free.",
        "passcode_forgotten":
            "No problem: on the login screen tap Forgot passcode and follow the steps. You'll verify your identity with a text message and a selfie.",
        "pending_card_payment":
            "Card payments stay pending until the merchant completes them, usually within a few days. If it's cancelled, the amount returns to your balance automatically.",
        "pending_cash_withdrawal":
            "A withdrawal shows as pending until the ATM operator confirms it, which usually takes 1 to 3 days. The money has already been reserved from your balance.",
        "pending_top_up":
            "Top-ups are normally instant, but some are held for a short security check. It should complete within a few hours; I'll look into it if it doesn't.",
        "pending_transfer":
            "Transfers can stay pending for up to 1 working day, longer for some international payments or additional checks. You'll get a notification when it's sent.",
        "pin_blocked":
            "Your PIN is blocked after three wrong attempts. You can unblock it in the app under Cards > Unblock PIN, then use the card again right away.",
        "receiving_money":
            "To receive money, share your account details from Accounts > Details. Transfers in your currency usually arrive the same day.",
        "Refund_not_showing_up":
            "Refunds usually take 5 to 10 working days to reach your balance, depending on the merchant. If it's been longer, send me the merchant's refund confirmation and I'll chase it.",
        "request_refund":
            "Refunds have to be issued by the merchant, so please contact them first. If they don't respond, I can open a chargeback for you.",
        "reverted_card_payment?":
            "A payment is reverted when the merchant cancels it before completing. The amount goes back to your balance; no action is needed from you.",
        "supported_cards_and_currencies":
            "You can top up with Visa or Mastercard debit and credit cards in most currencies. Some prepaid and business cards aren't supported.",
        "terminate_account":
            "I'm sorry to see you go. You can close your account in the app under Profile > Close account once your balance is zero. Your data is kept only as long as the law requires.",
        "top_up_by_bank_transfer_charge":
            "Topping up by bank transfer is free of charge. The sending bank may apply its own fee.",
        "top_up_by_card_charge":
            "Top-ups by card are free for cards issued in the UK and EEA; other cards have a fee that's shown before you confirm.",
        "top_up_by_cash_or_cheque":
            "We don't accept cash or cheque top-ups directly. You can top up instantly by card or by bank transfer instead.",
        "top_up_failed":
            "I'm sorry your top-up failed. Please check that your card is supported and has enough funds, then try again. Failed top-ups are never charged.",
        "top_up_limits":
            "You can top up up to 10,000 GBP per transaction and your plan's monthly limit. The exact limits are shown in the app under Top up > Limits.",
        "top_up_reverted":
            "A top-up is reverted when your card issuer declines or cancels it. The money stays with your card issuer; you can try again or use a bank transfer.",
        "topping_up_by_card":
            "To top up by card, tap Top up, choose Card, enter the amount and confirm. The money is added to your balance instantly.",
        "transaction_charged_twice":
            "Sorry about that. A duplicate is often a pending authorisation that drops off within a few days. If both complete, send me the details and I'll dispute the second one.",
        "transfer_fee_charged":
            "Transfers in the same currency are free; international transfers have a small fee shown before you confirm. If you were charged unexpectedly, I'll review it.",
        "transfer_into_account":
            "You can transfer money into your account using the details under Accounts > Details. Payments in your currency usually arrive the same day.",
        "transfer_not_received_by_recipient":
            "I'm sorry your recipient hasn't got the money yet. Transfers can take up to 1 working day, or longer internationally. If it's overdue, I can send you a proof of payment and trace it.",
        "transfer_timing":
            "Transfers in the same currency usually arrive within hours; international transfers take 1 to 3 working days.",
        "unable_to_verify_identity":
            "I'm sorry verification didn't go through. Please make sure the photo of your ID is sharp, uncovered and in good light, and try again. If it still fails I'll check it manually.",
        "verify_my_identity":
            "To verify your identity, go to Profile > Verify identity and follow the steps: a photo of an ID document and a short selfie video.",
        "verify_source_of_funds":
            "We may ask where your money comes from to comply with anti-money laundering rules. You can upload a payslip, bank statement or sale contract under Profile > Documents.",
        "verify_top_up":
            "For some card top-ups we ask you to verify the card by entering a small amount we reserve on it. You'll find the code on your card statement.",
        "virtual_card_not_working":
            "I'm sorry your virtual card isn't working. Check that it isn't frozen and that online payments are enabled. Some merchants don't accept virtual cards.",
        "visa_or_mastercard":
            "Our cards are issued on the Mastercard network and work wherever Mastercard is accepted.",
        "why_verify_identity":
            "We're required by law to verify the identity of every customer, to protect you and prevent fraud. It only takes a few minutes in the app.",
        "wrong_amount_of_cash_received":
            "I'm sorry you received the wrong amount. Please send me the date, the ATM location and the amount you received, and I'll raise a dispute with the ATM operator.",
        "wrong_exchange_rate_for_cash_withdrawal":
            "Cash withdrawals abroad use the network rate, and the ATM operator may add its own conversion if you accept it. Decline the ATM's conversion to get our rate.",
    ]
}
