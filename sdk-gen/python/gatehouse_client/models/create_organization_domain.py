from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.verification_strategy import VerificationStrategy
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateOrganizationDomain")


@_attrs_define
class CreateOrganizationDomain:
    """
    Attributes:
        organization_id (str):
        domain (str):
        verification_strategy (None | Unset | VerificationStrategy): `dns` (default): verified by a TXT record;
            `manual`: verified now, on the operator's word.
    """

    organization_id: str
    domain: str
    verification_strategy: None | Unset | VerificationStrategy = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        organization_id = self.organization_id

        domain = self.domain

        verification_strategy: None | str | Unset
        if isinstance(self.verification_strategy, Unset):
            verification_strategy = UNSET
        elif isinstance(self.verification_strategy, VerificationStrategy):
            verification_strategy = self.verification_strategy.value
        else:
            verification_strategy = self.verification_strategy

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "organization_id": organization_id,
                "domain": domain,
            }
        )
        if verification_strategy is not UNSET:
            field_dict["verification_strategy"] = verification_strategy

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        organization_id = d.pop("organization_id")

        domain = d.pop("domain")

        def _parse_verification_strategy(
            data: object,
        ) -> None | Unset | VerificationStrategy:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                verification_strategy_type_0 = VerificationStrategy(data)

                return verification_strategy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | VerificationStrategy, data)

        verification_strategy = _parse_verification_strategy(
            d.pop("verification_strategy", UNSET)
        )

        create_organization_domain = cls(
            organization_id=organization_id,
            domain=domain,
            verification_strategy=verification_strategy,
        )

        create_organization_domain.additional_properties = d
        return create_organization_domain

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
