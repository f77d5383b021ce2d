package dev.apiary.examples.war.ledger;

import java.math.BigDecimal;

/** An entry to push to an external ledger: the payload of the {@code ledger-sync} queue. */
public record LedgerEntry(String account, BigDecimal amount) {

    public static String problem(LedgerEntry entry) {
        if (entry.account() == null || entry.account().isBlank()) {
            return "'account' must not be empty";
        }
        if (entry.amount() == null) {
            return "'amount' must be a number";
        }
        return null;
    }
}
