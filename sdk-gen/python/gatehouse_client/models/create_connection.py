from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.attribute_preset import AttributePreset
from ..models.connection_type import ConnectionType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attribute_map import AttributeMap
    from ..models.oidc_input import OidcInput
    from ..models.saml_input import SamlInput


T = TypeVar("T", bound="CreateConnection")


@_attrs_define
class CreateConnection:
    """
    Attributes:
        organization_id (str):
        name (str):
        type_ (ConnectionType):
        attribute_preset (AttributePreset | None | Unset):
        attribute_map (AttributeMap | None | Unset):
        saml (None | SamlInput | Unset):
        oidc (None | OidcInput | Unset):
    """

    organization_id: str
    name: str
    type_: ConnectionType
    attribute_preset: AttributePreset | None | Unset = UNSET
    attribute_map: AttributeMap | None | Unset = UNSET
    saml: None | SamlInput | Unset = UNSET
    oidc: None | OidcInput | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.attribute_map import AttributeMap
        from ..models.oidc_input import OidcInput
        from ..models.saml_input import SamlInput

        organization_id = self.organization_id

        name = self.name

        type_ = self.type_.value

        attribute_preset: None | str | Unset
        if isinstance(self.attribute_preset, Unset):
            attribute_preset = UNSET
        elif isinstance(self.attribute_preset, AttributePreset):
            attribute_preset = self.attribute_preset.value
        else:
            attribute_preset = self.attribute_preset

        attribute_map: dict[str, Any] | None | Unset
        if isinstance(self.attribute_map, Unset):
            attribute_map = UNSET
        elif isinstance(self.attribute_map, AttributeMap):
            attribute_map = self.attribute_map.to_dict()
        else:
            attribute_map = self.attribute_map

        saml: dict[str, Any] | None | Unset
        if isinstance(self.saml, Unset):
            saml = UNSET
        elif isinstance(self.saml, SamlInput):
            saml = self.saml.to_dict()
        else:
            saml = self.saml

        oidc: dict[str, Any] | None | Unset
        if isinstance(self.oidc, Unset):
            oidc = UNSET
        elif isinstance(self.oidc, OidcInput):
            oidc = self.oidc.to_dict()
        else:
            oidc = self.oidc

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "organization_id": organization_id,
                "name": name,
                "type": type_,
            }
        )
        if attribute_preset is not UNSET:
            field_dict["attribute_preset"] = attribute_preset
        if attribute_map is not UNSET:
            field_dict["attribute_map"] = attribute_map
        if saml is not UNSET:
            field_dict["saml"] = saml
        if oidc is not UNSET:
            field_dict["oidc"] = oidc

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.attribute_map import AttributeMap
        from ..models.oidc_input import OidcInput
        from ..models.saml_input import SamlInput

        d = dict(src_dict)
        organization_id = d.pop("organization_id")

        name = d.pop("name")

        type_ = ConnectionType(d.pop("type"))

        def _parse_attribute_preset(data: object) -> AttributePreset | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                attribute_preset_type_0 = AttributePreset(data)

                return attribute_preset_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AttributePreset | None | Unset, data)

        attribute_preset = _parse_attribute_preset(d.pop("attribute_preset", UNSET))

        def _parse_attribute_map(data: object) -> AttributeMap | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                attribute_map_type_0 = AttributeMap.from_dict(data)

                return attribute_map_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AttributeMap | None | Unset, data)

        attribute_map = _parse_attribute_map(d.pop("attribute_map", UNSET))

        def _parse_saml(data: object) -> None | SamlInput | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                saml_type_0 = SamlInput.from_dict(data)

                return saml_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SamlInput | Unset, data)

        saml = _parse_saml(d.pop("saml", UNSET))

        def _parse_oidc(data: object) -> None | OidcInput | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                oidc_type_0 = OidcInput.from_dict(data)

                return oidc_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OidcInput | Unset, data)

        oidc = _parse_oidc(d.pop("oidc", UNSET))

        create_connection = cls(
            organization_id=organization_id,
            name=name,
            type_=type_,
            attribute_preset=attribute_preset,
            attribute_map=attribute_map,
            saml=saml,
            oidc=oidc,
        )

        create_connection.additional_properties = d
        return create_connection

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
