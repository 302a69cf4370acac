"""All tables, imported here so ``SQLModel.metadata`` knows every one of them."""

from core.models.accounts import AccessToken, Account
from core.models.carriers import CarrierAccount, Waybill
from core.models.catalog import (
    Category,
    Condition,
    Product,
    ProductStatus,
    Qualification,
    QualificationStatus,
    Sku,
)
from core.models.events import EventSequence, OutboxEvent
from core.models.files import FilePurpose, ProductImage, StoredFile
from core.models.guarantee import GuaranteeAssessment, GuaranteeCriteria
from core.models.guides import Guide, GuideCourse, GuideProgress
from core.models.jobs import Job, JobStatus
from core.models.marketplace import (
    AuditLogEntry,
    AuthorizationCode,
    Listing,
    ListingReview,
    ListingStatus,
    ListingVersion,
    OAuthClient,
    PricingModel,
    RefreshToken,
    Subscription,
    SubscriptionStatus,
    VersionStatus,
)
from core.models.notifications import Notification
from core.models.orders import (
    AfterSale,
    AfterSaleKind,
    AfterSaleStatus,
    Order,
    OrderLine,
    OrderStatus,
    PaymentAttempt,
    PaymentAttemptStatus,
    Shipment,
    TrackingEvent,
)
from core.models.pickup import OrderPickup, PickupStore
from core.models.plugin_records import PluginRecord
from core.models.plugins import (
    CircuitState,
    Delivery,
    DeliveryStatus,
    Installation,
    InstallationStatus,
    OutboxDispatch,
)
from core.models.shipping import ShippingTemplate
from core.models.shops import Area, Member, Role, Shop, ShopStatus, ShopType
from core.models.storefront import StorefrontOrigin
from core.models.support import (
    SupportTicket,
    TicketCategory,
    TicketMessage,
    TicketScreenshot,
    TicketStatus,
)

__all__ = [
    "AccessToken",
    "Account",
    "AfterSale",
    "AfterSaleKind",
    "AfterSaleStatus",
    "Area",
    "AuditLogEntry",
    "AuthorizationCode",
    "CarrierAccount",
    "Category",
    "CircuitState",
    "Condition",
    "Delivery",
    "DeliveryStatus",
    "EventSequence",
    "FilePurpose",
    "GuaranteeAssessment",
    "GuaranteeCriteria",
    "Guide",
    "GuideCourse",
    "GuideProgress",
    "Installation",
    "InstallationStatus",
    "Job",
    "JobStatus",
    "Listing",
    "ListingReview",
    "ListingStatus",
    "ListingVersion",
    "Member",
    "Notification",
    "OAuthClient",
    "Order",
    "OrderLine",
    "OrderPickup",
    "OrderStatus",
    "OutboxDispatch",
    "OutboxEvent",
    "PaymentAttempt",
    "PaymentAttemptStatus",
    "PickupStore",
    "PluginRecord",
    "PricingModel",
    "Product",
    "ProductImage",
    "ProductStatus",
    "Qualification",
    "QualificationStatus",
    "RefreshToken",
    "Role",
    "Shipment",
    "ShippingTemplate",
    "Shop",
    "ShopStatus",
    "ShopType",
    "Sku",
    "StoredFile",
    "StorefrontOrigin",
    "Subscription",
    "SubscriptionStatus",
    "SupportTicket",
    "TicketCategory",
    "TicketMessage",
    "TicketScreenshot",
    "TicketStatus",
    "TrackingEvent",
    "VersionStatus",
    "Waybill",
]
