from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.rule_view import RuleView


T = TypeVar("T", bound="Explanation")


@_attrs_define
class Explanation:
    """
    Attributes:
        satisfied (bool):
        requirements (list[str]): What a switch into the organization would ask for: sso, mfa, mfa_enrollment,
            max_session_age, allowed_auth_methods.
        rules (list[RuleView]):
    """

    satisfied: bool
    requirements: list[str]
    rules: list[RuleView]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        satisfied = self.satisfied

        requirements = self.requirements

        rules = []
        for rules_item_data in self.rules:
            rules_item = rules_item_data.to_dict()
            rules.append(rules_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "satisfied": satisfied,
                "requirements": requirements,
                "rules": rules,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.rule_view import RuleView

        d = dict(src_dict)
        satisfied = d.pop("satisfied")

        requirements = cast(list[str], d.pop("requirements"))

        rules = []
        _rules = d.pop("rules")
        for rules_item_data in _rules:
            rules_item = RuleView.from_dict(rules_item_data)

            rules.append(rules_item)

        explanation = cls(
            satisfied=satisfied,
            requirements=requirements,
            rules=rules,
        )

        explanation.additional_properties = d
        return explanation

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
