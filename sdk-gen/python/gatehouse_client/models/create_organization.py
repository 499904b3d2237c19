from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_organization_metadata_type_0 import (
        CreateOrganizationMetadataType0,
    )
    from ..models.domain_data_input import DomainDataInput


T = TypeVar("T", bound="CreateOrganization")


@_attrs_define
class CreateOrganization:
    """
    Attributes:
        name (str):
        external_id (None | str | Unset):
        metadata (CreateOrganizationMetadataType0 | None | Unset):
        domain_data (list[DomainDataInput] | None | Unset):
    """

    name: str
    external_id: None | str | Unset = UNSET
    metadata: CreateOrganizationMetadataType0 | None | Unset = UNSET
    domain_data: list[DomainDataInput] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.create_organization_metadata_type_0 import (
            CreateOrganizationMetadataType0,
        )

        name = self.name

        external_id: None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, CreateOrganizationMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        domain_data: list[dict[str, Any]] | None | Unset
        if isinstance(self.domain_data, Unset):
            domain_data = UNSET
        elif isinstance(self.domain_data, list):
            domain_data = []
            for domain_data_type_0_item_data in self.domain_data:
                domain_data_type_0_item = domain_data_type_0_item_data.to_dict()
                domain_data.append(domain_data_type_0_item)

        else:
            domain_data = self.domain_data

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if domain_data is not UNSET:
            field_dict["domain_data"] = domain_data

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.create_organization_metadata_type_0 import (
            CreateOrganizationMetadataType0,
        )
        from ..models.domain_data_input import DomainDataInput

        d = dict(src_dict)
        name = d.pop("name")

        def _parse_external_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        def _parse_metadata(
            data: object,
        ) -> CreateOrganizationMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = CreateOrganizationMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateOrganizationMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_domain_data(data: object) -> list[DomainDataInput] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                domain_data_type_0 = []
                _domain_data_type_0 = data
                for domain_data_type_0_item_data in _domain_data_type_0:
                    domain_data_type_0_item = DomainDataInput.from_dict(
                        domain_data_type_0_item_data
                    )

                    domain_data_type_0.append(domain_data_type_0_item)

                return domain_data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[DomainDataInput] | None | Unset, data)

        domain_data = _parse_domain_data(d.pop("domain_data", UNSET))

        create_organization = cls(
            name=name,
            external_id=external_id,
            metadata=metadata,
            domain_data=domain_data,
        )

        create_organization.additional_properties = d
        return create_organization

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
