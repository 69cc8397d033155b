"""Detection rules (预警规则): one YAML file per rule, loaded through one registry."""
from analytics.rules.registry import BUILTIN_DIR, check_cypher, load_rules, select_rules
from analytics.rules.rule import Parameter, Rule, RuleError, load_rule

__all__ = ["BUILTIN_DIR", "Parameter", "Rule", "RuleError", "check_cypher", "load_rule",
           "load_rules", "select_rules"]
