from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attribute_map import AttributeMap
    from ..models.oidc_config import OidcConfig
    from ..models.saml_config import SamlConfig


T = TypeVar("T", bound="Connection")


@_attrs_define
class Connection:
    """
    Attributes:
        object_ (str): Always `connection`.
        id (str):
        organization_id (str):
        name (str):
        type_ (str):
        state (str):
        attribute_preset (str):
        attribute_map (AttributeMap): Attribute names that override the preset, field by field.
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        saml (None | SamlConfig | Unset):
        oidc (None | OidcConfig | Unset):
    """

    object_: str
    id: str
    organization_id: str
    name: str
    type_: str
    state: str
    attribute_preset: str
    attribute_map: AttributeMap
    created_at: datetime.datetime
    updated_at: datetime.datetime
    saml: None | SamlConfig | Unset = UNSET
    oidc: None | OidcConfig | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.oidc_config import OidcConfig
        from ..models.saml_config import SamlConfig

        object_ = self.object_

        id = self.id

        organization_id = self.organization_id

        name = self.name

        type_ = self.type_

        state = self.state

        attribute_preset = self.attribute_preset

        attribute_map = self.attribute_map.to_dict()

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        saml: dict[str, Any] | None | Unset
        if isinstance(self.saml, Unset):
            saml = UNSET
        elif isinstance(self.saml, SamlConfig):
            saml = self.saml.to_dict()
        else:
            saml = self.saml

        oidc: dict[str, Any] | None | Unset
        if isinstance(self.oidc, Unset):
            oidc = UNSET
        elif isinstance(self.oidc, OidcConfig):
            oidc = self.oidc.to_dict()
        else:
            oidc = self.oidc

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "organization_id": organization_id,
                "name": name,
                "type": type_,
                "state": state,
                "attribute_preset": attribute_preset,
                "attribute_map": attribute_map,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if saml is not UNSET:
            field_dict["saml"] = saml
        if oidc is not UNSET:
            field_dict["oidc"] = oidc

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.attribute_map import AttributeMap
        from ..models.oidc_config import OidcConfig
        from ..models.saml_config import SamlConfig

        d = dict(src_dict)
        object_ = d.pop("object")

        id = d.pop("id")

        organization_id = d.pop("organization_id")

        name = d.pop("name")

        type_ = d.pop("type")

        state = d.pop("state")

        attribute_preset = d.pop("attribute_preset")

        attribute_map = AttributeMap.from_dict(d.pop("attribute_map"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_saml(data: object) -> None | SamlConfig | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                saml_type_0 = SamlConfig.from_dict(data)

                return saml_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SamlConfig | Unset, data)

        saml = _parse_saml(d.pop("saml", UNSET))

        def _parse_oidc(data: object) -> None | OidcConfig | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                oidc_type_0 = OidcConfig.from_dict(data)

                return oidc_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OidcConfig | Unset, data)

        oidc = _parse_oidc(d.pop("oidc", UNSET))

        connection = cls(
            object_=object_,
            id=id,
            organization_id=organization_id,
            name=name,
            type_=type_,
            state=state,
            attribute_preset=attribute_preset,
            attribute_map=attribute_map,
            created_at=created_at,
            updated_at=updated_at,
            saml=saml,
            oidc=oidc,
        )

        connection.additional_properties = d
        return connection

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
