"""Pure domain knowledge: national code sets, code check rules and the public record's fields."""
